/**
 * Which Playwright projects a run will execute, from its command line, read before the tests
 * are collected (a global setup runs first), so that a run starts only the servers its projects
 * need. It mirrors the CLI: positional arguments filter files the way Playwright does (each a
 * regular expression over the file's absolute path, `:line` ignored), `--project` names
 * projects. When it cannot tell (the run picks tests some other way) it answers every project:
 * starting a server too many is slow, one too few is wrong.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface ProjectFiles {
  name: string;
  testDir: string;
  testMatch: string | RegExp | (string | RegExp)[];
  testIgnore: string | RegExp | (string | RegExp)[];
}

/** Options that take a value (the next argument unless written `--opt=value`). */
const WITH_VALUE = new Set([
  "-c",
  "--config",
  "-g",
  "--grep",
  "--grep-invert",
  "--reporter",
  "-j",
  "--workers",
  "--timeout",
  "--retries",
  "--repeat-each",
  "--max-failures",
  "--output",
  "--shard",
  "--trace",
  "--global-timeout",
  "--tsconfig",
  "--browser",
  "--update-source-method",
]);
/** Options that select tests in ways this cannot follow. */
const OPAQUE = new Set([
  "--last-failed",
  "--only-changed",
  "--test-list",
  "--test-list-invert",
  "--ui",
]);

interface Selection {
  files: string[];
  projects: string[];
  opaque: boolean;
}

function parseArgs(args: string[]): Selection {
  const selection: Selection = { files: [], projects: [], opaque: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [option, inline] = arg.startsWith("--") ? arg.split("=", 2) : [arg, undefined];
    if (OPAQUE.has(option)) selection.opaque = true;
    else if (option === "--project") {
      if (inline !== undefined) selection.projects.push(inline);
      // Variadic, as the CLI reads it: every argument up to the next option is a project.
      else while (args[i + 1] && !args[i + 1]!.startsWith("-")) selection.projects.push(args[++i]!);
    } else if (WITH_VALUE.has(option)) {
      if (inline === undefined) i++;
    } else if (!arg.startsWith("-")) selection.files.push(arg);
  }
  return selection;
}

/** Playwright's `forceRegExp`, over the path without its `:line:column`. */
function fileFilter(arg: string): RegExp {
  const file = /^(.*?):(\d+):?(\d+)?$/.exec(arg)?.[1] ?? arg;
  const literal = /^\/(.*)\/([gi]*)$/.exec(file);
  return literal ? new RegExp(literal[1]!, literal[2]) : new RegExp(file, "i");
}

/** The globs Playwright's testMatch takes (`**`, `*`, `?`, `[...]`, `@(a|b)`, `?(a|b)`). */
function globToRegExp(glob: string): RegExp {
  const pattern = glob.startsWith("**/") ? glob : `**/${glob}`;
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (pattern.startsWith("**/", i)) {
      re += "(?:.*/)?";
      i += 2;
    } else if (pattern.startsWith("@(", i) || pattern.startsWith("?(", i)) {
      const end = pattern.indexOf(")", i);
      re += `(?:${pattern.slice(i + 2, end)})${c === "?" ? "?" : ""}`;
      i = end;
    } else if (c === "[") {
      const end = pattern.indexOf("]", i);
      re += pattern.slice(i, end + 1);
      i = end;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`, "i");
}

function matches(file: string, patterns: ProjectFiles["testMatch"]): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((p) => (typeof p === "string" ? globToRegExp(p) : p).test(file));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** The CLI's arguments after `test`, in the process that runs the global setup. */
export function cliTestArgs(argv: string[] = process.argv): string[] {
  const at = argv.indexOf("test");
  return at === -1 ? [] : argv.slice(at + 1);
}

/** The names of the projects `args` (the CLI's arguments after `test`) will run tests of. */
export function selectedProjects(args: string[], projects: ProjectFiles[]): string[] {
  const selection = parseArgs(args);
  const named = projects.filter(
    (p) =>
      selection.projects.length === 0 ||
      selection.projects.some((n) => n.toLowerCase() === p.name.toLowerCase()),
  );
  if (selection.opaque || selection.files.length === 0) return named.map((p) => p.name);
  const filters = selection.files.map(fileFilter);
  return named
    .filter((project) =>
      filesUnder(project.testDir).some(
        (file) =>
          matches(file, project.testMatch) &&
          !matches(file, project.testIgnore) &&
          filters.some((filter) => filter.test(file)),
      ),
    )
    .map((p) => p.name);
}
