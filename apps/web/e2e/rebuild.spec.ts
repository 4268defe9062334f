/**
 * The README's single-spec command after a page changed: `npx playwright test e2e/<spec>` must
 * rebuild first (the global setup compares the build with its sources), never serve the build
 * of before the change. A page written for this test only (untracked, removed afterwards) says
 * a text the last build has never seen; a spec written beside it expects that text; the command
 * runs in a child process exactly as a developer types it.
 *
 * Afterwards the build holds a page the sources no longer have, so the next run rebuilds again:
 * that is the behaviour under test, paid once more.
 */
/* eslint-disable no-restricted-properties -- the child run gets a clean copy of this environment */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect, test } from "./fixtures";
import { WEB } from "./web-dir";

const PAGE_DIR = join(WEB, "src", "app", "e2e-rebuild-probe");
const SPEC = join(WEB, "e2e", "rebuild-probe.spec.ts");

/** This run's variables minus Playwright's and the e2e run's own: the child starts afresh. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "" };
  for (const name of Object.keys(env))
    if (/^(TEST_|PW_|PLAYWRIGHT_|E2E_|AUTHKIT_|FORCE_COLOR)/.test(name)) delete env[name];
  return env;
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: WEB, env: childEnv() });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => resolve({ code, output }));
  });
}

test("a page changed since the last build is served changed by the single-spec command", async () => {
  // A production build of the whole app: minutes on a loaded machine.
  test.setTimeout(1_200_000);
  const text = `Rebuilt ${randomUUID()}`;
  mkdirSync(PAGE_DIR, { recursive: true });
  writeFileSync(
    join(PAGE_DIR, "page.tsx"),
    `export default function Probe() {\n  return <main><h1>${text}</h1></main>;\n}\n`,
  );
  writeFileSync(
    SPEC,
    [
      `import { expect, test } from "@authkit/testing/playwright";`,
      `test("the probe page", async ({ page }) => {`,
      `  await page.goto("/e2e-rebuild-probe");`,
      `  await expect(page.getByRole("heading", { name: ${JSON.stringify(text)} })).toBeVisible();`,
      `});`,
      ``,
    ].join("\n"),
  );
  try {
    const { code, output } = await run("npx", [
      "playwright",
      "test",
      "e2e/rebuild-probe.spec.ts",
      "--reporter=list",
    ]);
    expect(output).toContain("e2e: build built");
    expect(output).toContain("1 passed");
    expect(code, output).toBe(0);
  } finally {
    rmSync(PAGE_DIR, { recursive: true, force: true });
    rmSync(SPEC, { force: true });
  }
});
