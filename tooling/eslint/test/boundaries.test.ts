/**
 * The import rules hold through each package's own eslint.config.js: probe files are linted
 * as if they sat in the package (ESLint's cwd is the package's folder, its config file is the
 * one `pnpm lint` loads), for every kind of import and every kind of source file. A package
 * whose config dropped `...boundaries(name)` fails here, because its probes pass lint.
 *
 * Probes never touch the disk; without a file on disk TypeScript's project service cannot
 * type them, so the type-aware rules are switched off for them (and nothing else is).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");

type Workspace =
  | "config"
  | "db"
  | "auth"
  | "mail"
  | "api"
  | "bench"
  | "client"
  | "password-strength"
  | "testing"
  | "web";

const FOLDER: Record<Workspace, string> = {
  config: "packages/config",
  db: "packages/db",
  auth: "packages/auth",
  mail: "packages/mail",
  api: "packages/api",
  bench: "packages/bench",
  client: "packages/client",
  "password-strength": "packages/password-strength",
  testing: "packages/testing",
  web: "apps/web",
};

/** A package each may not import by name (null: an app imports any package), and one it may. */
const ARROWS: Record<Workspace, { forbidden: string | null; allowed: string }> = {
  config: { forbidden: "@authkit/db", allowed: "zod" },
  db: { forbidden: "@authkit/auth", allowed: "@authkit/config" },
  auth: { forbidden: "@authkit/api", allowed: "@authkit/db" },
  mail: { forbidden: "@authkit/config", allowed: "nodemailer" },
  api: { forbidden: "@authkit/client", allowed: "@authkit/auth" },
  bench: { forbidden: "@authkit/web", allowed: "@authkit/api" },
  client: { forbidden: "@authkit/web", allowed: "@trpc/client" },
  "password-strength": { forbidden: "@authkit/auth", allowed: "@zxcvbn-ts/core" },
  testing: { forbidden: "@authkit/db", allowed: "@authkit/mail/testing" },
  web: { forbidden: null, allowed: "@authkit/client" },
};

/** Every way a file can name a module, with the file kind it is written in. */
const KINDS: [kind: string, file: string, code: (specifier: string) => string][] = [
  ["import", "probe.ts", (s) => `import { x } from "${s}";\nexport const y = x;\n`],
  ["import type", "probe.ts", (s) => `import type { X } from "${s}";\nexport type Y = X;\n`],
  ["side-effect import", "probe.ts", (s) => `import "${s}";\n`],
  ["export * from", "probe.ts", (s) => `export * from "${s}";\n`],
  ["export { } from", "probe.tsx", (s) => `export { x } from "${s}";\n`],
  ["import()", "probe.ts", (s) => `export const load = () => import("${s}");\n`],
  ["import() of a template", "probe.ts", (s) => `export const load = () => import(\`${s}\`);\n`],
  ["import = require()", "probe.ts", (s) => `import m = require("${s}");\nexport const y = m;\n`],
  ["require()", "probe.cjs", (s) => `const m = require("${s}");\nmodule.exports = m;\n`],
  ["require.resolve()", "probe.cjs", (s) => `module.exports = require.resolve("${s}");\n`],
  ["import in .mjs", "probe.mjs", (s) => `import x from "${s}";\nexport default x;\n`],
  ["import() in .js", "probe.js", (s) => `export const load = () => import("${s}");\n`],
];

const linters = new Map<Workspace, ESLint>();

/** ESLint as `pnpm lint` runs it in that package: its folder, its config file. */
function linterFor(workspace: Workspace): ESLint {
  let eslint = linters.get(workspace);
  if (!eslint) {
    eslint = new ESLint({
      cwd: join(ROOT, FOLDER[workspace]),
      overrideConfig: tseslint.configs.disableTypeChecked,
    });
    linters.set(workspace, eslint);
  }
  return eslint;
}

/** The boundary rules' messages for `code` at `file` (relative to the package's folder). */
async function boundaryMessages(workspace: Workspace, file: string, code: string) {
  const [result] = await linterFor(workspace).lintText(code, {
    filePath: join(ROOT, FOLDER[workspace], file),
  });
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal, `${file} must parse`).toEqual([]);
  return result!.messages
    .filter((m) => m.ruleId?.startsWith("authkit/"))
    .map((m) => `${m.ruleId}: ${m.message}`);
}

/** A path from `<package>/src/` into another package's source, leaving the package. */
const ESCAPES: Record<Workspace, string> = {
  config: "../../db/src/index",
  db: "../../auth/src/index",
  auth: "../../api/src/root",
  mail: "../../config/src/index",
  api: "../../client/src/index",
  bench: "../../../apps/web/server",
  client: "../../api/src/root",
  "password-strength": "../../auth/src/index",
  testing: "../../api/src/root",
  web: "../../../packages/api/src/root",
};

const WORKSPACES = Object.keys(FOLDER) as Workspace[];

it("walks every package and app of the workspace", () => {
  const folders = ["packages", "apps"].flatMap((parent) =>
    readdirSync(join(ROOT, parent)).map((name) => `${parent}/${name}`),
  );
  expect(Object.values(FOLDER).sort()).toEqual(folders.sort());
});

describe.each(WORKSPACES)("%s's own config", (workspace) => {
  const { allowed } = ARROWS[workspace];

  it.each(KINDS)("refuses a path out of the package: %s", async (_, file, code) => {
    const messages = await boundaryMessages(workspace, `src/${file}`, code(ESCAPES[workspace]));
    expect(messages).toEqual([expect.stringMatching(/^authkit\/package-boundary: .* leaves /)]);
  });

  it("refuses a path out of the package from a nested folder and from a test", async () => {
    const nested = `../${ESCAPES[workspace]}`;
    for (const file of ["src/nested/deeper/probe.ts", "test/probe.test.ts"]) {
      const path = file.startsWith("test/") ? ESCAPES[workspace] : `../${nested}`;
      expect(await boundaryMessages(workspace, file, `import "${path}";\n`)).toEqual([
        expect.stringMatching(/^authkit\/package-boundary: .* leaves /),
      ]);
    }
  });

  it("lets paths inside the package and the packages below it through", async () => {
    for (const [kind, file, code] of KINDS) {
      for (const specifier of ["./sibling", "../src/other", allowed])
        expect(
          await boundaryMessages(workspace, `src/nested/${file}`, code(specifier)),
          kind,
        ).toEqual([]);
    }
  });
});

/** The packages with something above them (an app imports any package). */
const BELOW = WORKSPACES.flatMap((w) => {
  const { forbidden } = ARROWS[w];
  return forbidden ? [[w, forbidden] as const] : [];
});

describe.each(BELOW)("%s's own config, by name", (workspace, forbidden) => {
  it.each(KINDS)(`refuses ${forbidden} and its subpaths: %s`, async (_, file, code) => {
    for (const specifier of [forbidden, `${forbidden}/testing`])
      expect(await boundaryMessages(workspace, `src/${file}`, code(specifier)), specifier).toEqual([
        expect.stringMatching(/^authkit\/package-boundary: .* is not allowed here/),
      ]);
  });
});

describe("browser code", () => {
  const SERVER_ONLY = [
    "@authkit/config",
    "@authkit/db",
    "@authkit/auth",
    "@authkit/auth/trpc",
    "@authkit/mail",
    "@authkit/api",
    "@authkit/api/server",
    "node:crypto",
    "crypto",
    "fs/promises",
  ];
  /** The kinds that load code at run time (type-only imports are erased). */
  const LOADING = KINDS.filter(([kind]) => kind !== "import type");
  const clientModule = (code: string) => `"use client";\n${code}`;

  it.each(LOADING)(
    "the client package's src refuses server-only modules: %s",
    async (_, file, code) => {
      for (const specifier of SERVER_ONLY)
        expect(await boundaryMessages("client", `src/${file}`, code(specifier)), specifier).toEqual(
          [expect.stringMatching(/^authkit\/browser-boundary: /)],
        );
    },
  );

  it("the client package takes types from @authkit/api, and its tests run the real API", async () => {
    const types = 'import type { AppRouter } from "@authkit/api";\nexport type R = AppRouter;\n';
    const inline = 'import { type AppRouter } from "@authkit/api";\nexport type R = AppRouter;\n';
    expect(await boundaryMessages("client", "src/probe.ts", types)).toEqual([]);
    expect(await boundaryMessages("client", "src/probe.ts", inline)).toEqual([]);
    const real =
      'import { createApp } from "@authkit/api";\nimport "node:crypto";\nexport { createApp };\n';
    expect(await boundaryMessages("client", "test/probe.test.ts", real)).toEqual([]);
  });

  it.each(LOADING)("a web client module refuses server-only modules: %s", async (_, file, code) => {
    const server = ["~/server/app", "../server/app", ...SERVER_ONLY];
    for (const specifier of server)
      expect(
        await boundaryMessages("web", `src/app/${file}`, clientModule(code(specifier))),
        specifier,
      ).toEqual([expect.stringMatching(/^authkit\/browser-boundary: /)]);
  });

  it("so do the web app's lib and components folders, client module or not", async () => {
    for (const folder of ["src/lib", "src/components"])
      for (const specifier of ["@authkit/db", "@authkit/config", "node:fs", "~/server/app"])
        expect(
          await boundaryMessages("web", `${folder}/probe.ts`, `import "${specifier}";\n`),
          `${folder}: ${specifier}`,
        ).toEqual([expect.stringMatching(/^authkit\/browser-boundary: /)]);
  });

  it("a web client module takes types, the browser-safe next-path, the client and lib", async () => {
    const fine = [
      'import type { AppRouter } from "@authkit/api";\nexport type R = AppRouter;\n',
      'import { type AppRouter } from "@authkit/api";\nexport type R = AppRouter;\n',
      'import { safeNextPath } from "@authkit/api/next-path";\nexport { safeNextPath };\n',
      'import { createAuthClient } from "@authkit/client";\nexport { createAuthClient };\n',
      'import { trpc } from "~/lib/trpc";\nexport { trpc };\n',
      'import type { App } from "~/server/app";\nexport type A = App;\n',
    ];
    for (const code of fine)
      expect(await boundaryMessages("web", "src/app/probe.tsx", clientModule(code)), code).toEqual(
        [],
      );
  });

  it("server code of the web app keeps its server imports", async () => {
    const server =
      'import { loadConfig } from "@authkit/config";\nimport "node:fs";\nimport "~/server/app";\n';
    // A server component (no directive), the server folder, a route handler.
    for (const file of [
      "src/app/probe/page.tsx",
      "src/server/probe.ts",
      "src/app/api/probe/route.ts",
    ])
      expect(await boundaryMessages("web", file, server), file).toEqual([]);
  });
});
