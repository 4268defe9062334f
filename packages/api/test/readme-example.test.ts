/**
 * The README's "Adding a procedure and calling it from React", kept honest: its code blocks are
 * read out of README.md and run, so an edit of the README that no longer works, or a change of
 * the API that the README did not follow, fails here.
 *
 * The steps are applied as a reader would apply them, to a throw-away copy of this package's
 * `src` (inside the package, so its dependencies resolve): step 1's block becomes
 * `src/routers/greeting.ts`, step 2's line goes into `appRouter` in `src/root.ts`, and step 6's
 * test block runs against a real App, with `@authkit/api` meaning the copy.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type * as api from "../src";
import type { App } from "../src";
import { quickDatabase, registerAndLogin, startTestServer, type TestServer } from "./harness";

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const README = readFileSync(join(PACKAGE, "../../README.md"), "utf8");

/** The README's section on adding a procedure: everything the steps say is read from here. */
const SECTION = (() => {
  const start = README.indexOf("## Adding a procedure and calling it from React");
  const end = README.indexOf("\n## ", start + 1);
  if (start < 0) throw new Error('README.md has no "Adding a procedure" section');
  return README.slice(start, end < 0 ? undefined : end);
})();

/** The one fenced ```ts block of the section whose text matches `marker`. */
function codeBlock(marker: RegExp): string {
  const blocks = [...SECTION.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const found = blocks.filter((block) => marker.test(block));
  if (found.length !== 1)
    throw new Error(
      `README.md: expected one \`\`\`ts block matching ${marker}, found ${found.length}`,
    );
  return found[0]!;
}

/** Step 1: the router, at the path its first line names. */
const ROUTER = codeBlock(/^\/\/ packages\/api\/src\/routers\/greeting\.ts\n/);
/** Step 2: the line that registers it, `greeting: greetingRouter,`. */
const REGISTRATION =
  /\*\*2\. Register it\*\* in `packages\/api\/src\/root\.ts`: `([^`]+)` in `appRouter`/.exec(
    SECTION,
  )?.[1];
/** Step 6: the test through `createCaller`. */
const CALLER_TEST = codeBlock(/createCaller\(/);

/** Step 6's block as a module: its imports kept, its statements run with the test's values. */
function runnable(block: string): string {
  const lines = block.split("\n");
  const imports = lines.filter((line) => line.startsWith("import "));
  const body = lines.filter((line) => !line.startsWith("import "));
  return [
    ...imports.map((line) => line.replace(/from "@authkit\/api"/, 'from "./src/index"')),
    "export async function run({ app, accessToken, expect }) {",
    ...body,
    "}",
  ].join("\n");
}

interface Copy {
  dir: string;
  caller: (app: App, token?: string) => Promise<unknown>;
  run: (values: { app: App; accessToken: string; expect: typeof expect }) => Promise<void>;
}

/** This package's src with the README's steps 1 and 2 applied, and step 6 beside it. */
async function applyReadme(): Promise<Copy> {
  if (!REGISTRATION) throw new Error("README.md: step 2 no longer names the line to add");
  const dir = mkdtempSync(join(PACKAGE, ".readme-example-"));
  cpSync(join(PACKAGE, "src"), join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "src/routers/greeting.ts"), ROUTER);
  const rootFile = join(dir, "src/root.ts");
  const root = readFileSync(rootFile, "utf8");
  const opening = "export const appRouter = createTRPCRouter({\n";
  if (!root.includes(opening))
    throw new Error("src/root.ts: appRouter is no longer declared as the README says");
  writeFileSync(
    rootFile,
    `import { greetingRouter } from "./routers/greeting";\n${root.replace(opening, `${opening}  ${REGISTRATION}\n`)}`,
  );
  writeFileSync(join(dir, "example.ts"), runnable(CALLER_TEST));
  const copied = (await import(join(dir, "src/index.ts"))) as typeof api;
  const example = (await import(join(dir, "example.ts"))) as Pick<Copy, "run">;
  const caller = (app: App, token?: string) =>
    (
      copied.createCaller(
        copied.createInnerContext({
          auth: app.auth,
          settings: app.settings,
          headers: new Headers(token ? { authorization: `Bearer ${token}` } : {}),
        }),
      ) as unknown as { greeting: { hello(input: { name: string }): Promise<unknown> } }
    ).greeting.hello({ name: "Ada" });
  return { dir, caller, run: example.run };
}

describe("the README's procedure, applied as the README says", () => {
  let server: TestServer;
  let copy: Copy | undefined;
  beforeAll(async () => {
    server = await startTestServer({ database: await quickDatabase(), store: "database" });
    copy = await applyReadme();
  });
  afterAll(async () => {
    if (copy) rmSync(copy.dir, { recursive: true, force: true });
    await server?.close();
  });

  it("runs step 6's test block: a signed-in caller is greeted", async () => {
    const user = await registerAndLogin(server.url);
    await copy!.run({ app: server.app, accessToken: user.accessToken, expect });
    // And the answer carries the caller, as step 1's router says.
    await expect(copy!.caller(server.app, user.accessToken)).resolves.toEqual({
      text: "Hello, Ada",
      userId: user.userId,
    });
  });

  it("refuses an anonymous caller, as protectedProcedure promises", async () => {
    const refusal = await copy!.caller(server.app).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TRPCError);
    expect((refusal as TRPCError).code).toBe("UNAUTHORIZED");
  });
});
