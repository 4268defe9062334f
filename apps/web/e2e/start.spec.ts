/**
 * `pnpm start` as the README promises it on a new machine: no AUTH_SECRET, no DATABASE_URL, no
 * NODE_ENV. The compiled server comes up on the embedded default with a development secret it
 * generates (and says so), and serves both the API and the pages. Next sets NODE_ENV to
 * production while it starts: nothing may then judge the configuration again as production's.
 */
/* eslint-disable no-restricted-properties -- the server is a child process with its own env */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { PRODUCTION_ENV, PRODUCTION_NODE_ARGS } from "@authkit/build/production";

import { expect, test } from "./fixtures";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");

/** What a new machine's shell has: none of the variables the other projects set. */
function newMachineEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...PRODUCTION_ENV, ...extra };
  for (const name of Object.keys(env)) {
    if (
      /^(AUTH_|ADMIN_|DATABASE_URL|UPSTASH_|SMTP_|MAIL_|NODE_ENV$|APP_URL$|RATE_LIMIT_)/.test(name)
    )
      delete env[name];
  }
  return env;
}

test("pnpm start comes up on the embedded default with nothing configured", async ({ browser }) => {
  test.setTimeout(120_000);
  const port = 40_000 + Math.floor(Math.random() * 20_000);
  const dataDir = mkdtempSync(join(tmpdir(), "authkit-start-"));
  const output: string[] = [];
  const server = spawn(process.execPath, [...PRODUCTION_NODE_ARGS, "dist/server.js"], {
    cwd: web,
    env: newMachineEnv({ PORT: String(port), DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const base = `http://localhost:${port}`;
  try {
    await expect
      .poll(
        async () => {
          expect(server.exitCode, output.join("")).toBeNull();
          return fetch(`${base}/api/trpc/health`).then(
            (r) => r.status,
            () => 0,
          );
        },
        { timeout: 60_000, message: "the server answers" },
      )
      .toBe(200);
    expect(output.join("")).toContain("AUTH_SECRET is not set: generated a development secret");

    const page = await (await browser.newContext({ baseURL: base })).newPage();
    await page.goto("/register");
    await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
    expect(server.exitCode, output.join("")).toBeNull();
  } finally {
    server.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
