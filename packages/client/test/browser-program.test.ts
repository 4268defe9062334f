import { fileURLToPath } from "node:url";

import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The browser code compiles without the server: no file of @authkit/api, auth, db or config, and
 * nothing of Prisma, is part of its TypeScript program. A type-only `import type { AppRouter }`
 * is enough to pull all of them in (the router's context holds the auth service, whose types
 * come from the generated Prisma client), which lint alone cannot see.
 */
const configPath = fileURLToPath(new URL("../tsconfig.browser.json", import.meta.url));

function browserProgramFiles(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
    },
  });
  if (!config) throw new Error(`cannot read ${configPath}`);
  // Which files, not whether they type-check (`pnpm typecheck` does that): the default
  // libraries are left out, which halves the time.
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: { ...config.options, noLib: true },
  });
  return program.getSourceFiles().map((file) => file.fileName);
}

const SERVER_SIDE = [
  /\/generated\/prisma\//,
  /\/@prisma\//,
  /\/prisma\//,
  /\/packages\/(api|auth|db|config)\//,
  /\/@authkit\/(api|auth|db|config)\//,
  /\/@types\/node\//,
];

describe("the browser program", () => {
  it("contains the client's sources and nothing of the server or of Prisma", () => {
    const files = browserProgramFiles();
    // Not vacuous: the program really is the client's, with its dependencies resolved.
    expect(files.some((file) => file.endsWith("/packages/client/src/index.ts"))).toBe(true);
    expect(files.some((file) => file.includes("/@trpc/client/"))).toBe(true);
    expect(files.filter((file) => SERVER_SIDE.some((pattern) => pattern.test(file)))).toEqual([]);
    // Parsing the dependencies' declarations takes about half a second alone, and a quarter of a
    // minute with six suites and two busy loops on two cores: the limit is only a hang backstop.
  }, 300_000);
});
