/**
 * `ensureBuilt(dirs)`: runs `authkit-build` in each package directory whose `dist/` is missing or
 * older than its sources, in the order given (dependencies first). For test set-ups and scripts
 * that start the compiled servers, so a run after an edit never tests stale JavaScript.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BUILD = fileURLToPath(new URL("./build.mjs", import.meta.url));

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function oldestOutput(dir) {
  const dist = join(dir, "dist");
  if (!existsSync(dist)) return 0;
  const files = readdirSync(dist, { recursive: true }).filter((f) => String(f).endsWith(".js"));
  if (files.length === 0) return 0;
  return Math.min(...files.map((f) => statSync(join(dist, String(f))).mtimeMs));
}

/** @param {string[]} dirs package directories whose `build` script runs authkit-build */
export function ensureBuilt(dirs) {
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    // The extra entries, exactly as the package's build script passes them.
    const args = /authkit-build([^&|;]*)/.exec(pkg.scripts?.build ?? "")?.[1] ?? "";
    const entries = args.trim().split(/\s+/).filter(Boolean);
    const sources = [
      join(dir, "src"),
      join(dir, "package.json"),
      ...entries.map((e) => join(dir, e)),
    ];
    if (oldestOutput(dir) > Math.max(...sources.map(newest))) continue;
    const name = pkg.name;
    const result = spawnSync(process.execPath, [BUILD, ...entries], {
      cwd: dir,
      encoding: "utf8",
    });
    if (result.status !== 0)
      throw new Error(`building ${name} failed:\n${result.stdout}${result.stderr}`);
  }
}
