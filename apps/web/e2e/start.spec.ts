/**
 * `pnpm start` as the README promises it on a new machine: no AUTH_SECRET, no DATABASE_URL, no
 * NODE_ENV. The compiled server comes up on the embedded default with a development secret it
 * generates (and says so), and serves both the API and the pages. Next sets NODE_ENV to
 * production while it starts: nothing may then judge the configuration again as production's.
 */
/* eslint-disable no-restricted-properties -- the server is a child process with its own env */

import { PRODUCTION_ENV, PRODUCTION_NODE_ARGS } from "@authkit/build/production";

import { expect, test } from "./fixtures";
import { startOwnServer } from "./own-server";

/** What a new machine's shell has: none of the variables the other projects set. */
function newMachineEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...PRODUCTION_ENV, ...extra };
  for (const name of Object.keys(env)) {
    if (
      /^(AUTH_|ADMIN_|DATABASE_URL|UPSTASH_|REDIS_URL$|SMTP_|MAIL_|NODE_ENV$|APP_URL$|RATE_LIMIT_)/.test(
        name,
      )
    )
      delete env[name];
  }
  return env;
}

test("pnpm start comes up on the embedded default with nothing configured", async ({ browser }) => {
  // A first start creates and migrates the embedded database: 5 s on an idle machine, 45 s
  // measured with eight test suites running beside it. The window is the machine's, not a claim.
  test.setTimeout(300_000);
  const server = startOwnServer([...PRODUCTION_NODE_ARGS, "dist/server.js"], ({ port, dataDir }) =>
    newMachineEnv({ PORT: String(port), DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" }),
  );
  const base = `http://localhost:${server.port}`;
  try {
    await server.answering("localhost", 240_000);
    expect(server.output()).toContain("AUTH_SECRET is not set: generated a development secret");

    const page = await (await browser.newContext({ baseURL: base })).newPage();
    await page.goto("/register");
    await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
    await server.answering("localhost", 30_000);
  } finally {
    await server.stop();
  }
});
