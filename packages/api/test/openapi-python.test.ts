/**
 * docs/openapi.md's Python client, kept honest: the script on that page, run by Debian's
 * python3 with python3-requests against a real server on PGlite, signs in with the password
 * grant, calls user.me, reads an error envelope, refreshes and revokes, as the document says.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { registerAndLogin, startTestServer, type TestServer } from "./harness";

const PYTHON = "/usr/bin/python3";
// eslint-disable-next-line no-restricted-properties -- the CI switch, not app configuration
const IN_CI = process.env.CI === "true" || process.env.CI === "1";

async function pythonReady(): Promise<boolean> {
  try {
    await promisify(execFile)(PYTHON, ["-c", "import requests"], { timeout: 300_000 });
    return true;
  } catch {
    if (IN_CI)
      throw new Error(
        `${PYTHON} with python3-requests is required in CI (apt-get install python3-requests)`,
      );
    console.warn(`${PYTHON} with python3-requests missing: the test is skipped outside CI.`);
    return false;
  }
}

/** The first ```python block of docs/openapi.md. */
function documentedScript(): string {
  const page = readFileSync(new URL("../../../docs/openapi.md", import.meta.url), "utf8");
  const match = /```python\n([\s\S]*?)```/.exec(page);
  if (!match) throw new Error("docs/openapi.md has no python block");
  return match[1]!;
}

describe.runIf(await pythonReady())("the documented Python client (docs/openapi.md)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: "pglite", store: "database" });
  });
  afterAll(() => server.close());

  it("signs in, calls user.me, refreshes and revokes as the document says", async () => {
    const user = await registerAndLogin(server.url);
    const { stdout } = await promisify(execFile)(PYTHON, ["-c", documentedScript()], {
      timeout: 300_000,
      env: {
        // eslint-disable-next-line no-restricted-properties -- the child's environment, not config
        PATH: process.env.PATH,
        AUTHKIT_URL: server.url,
        AUTHKIT_EMAIL: user.email,
        AUTHKIT_PASSWORD: user.password,
      },
    });
    expect(stdout.trim().split("\n")).toEqual([
      "openapi 3.1.0",
      "token_type bearer",
      `me ${user.email}`,
      "anonymous 401 UNAUTHORIZED",
      "ticket 200 True",
      "refreshed True",
      "revoked 200",
      "after revoke 400 invalid_grant",
    ]);
  });
});
