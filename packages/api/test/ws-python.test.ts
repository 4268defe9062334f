/**
 * docs/websocket.md's Python client, kept honest: the script on that page, run by Debian's
 * python3 with python3-websockets against a real server, sees `connected`, then the revocation,
 * and the 1008 close with its cause.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { call, quickDatabase, registerAndLogin, startTestServer, type TestServer } from "./harness";

const PYTHON = "/usr/bin/python3";
// eslint-disable-next-line no-restricted-properties -- the CI switch, not app configuration
const IN_CI = process.env.CI === "true" || process.env.CI === "1";

async function pythonReady(): Promise<boolean> {
  try {
    await promisify(execFile)(PYTHON, ["-c", "import websockets"], { timeout: 300_000 });
    return true;
  } catch {
    if (IN_CI)
      throw new Error(
        `${PYTHON} with python3-websockets is required in CI (apt-get install python3-websockets)`,
      );
    console.warn(
      `${PYTHON} with python3-websockets missing: the Python client test is skipped outside CI.`,
    );
    return false;
  }
}

/** The first ```python block of docs/websocket.md. */
function documentedScript(): string {
  const page = readFileSync(new URL("../../../docs/websocket.md", import.meta.url), "utf8");
  const match = /```python\n([\s\S]*?)```/.exec(page);
  if (!match) throw new Error("docs/websocket.md has no python block");
  return match[1]!;
}

describe.runIf(await pythonReady())("the documented Python client (docs/websocket.md)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: await quickDatabase(), store: "database" });
  });
  afterAll(() => server.close());

  it("watches a session over WebSocket with a ticket until the session is revoked", async () => {
    const user = await registerAndLogin(server.url);
    const child = spawn(PYTHON, ["-c", documentedScript()], {
      env: {
        // eslint-disable-next-line no-restricted-properties -- the child's environment, not config
        PATH: process.env.PATH,
        AUTHKIT_URL: server.url,
        AUTHKIT_ACCESS_TOKEN: user.accessToken,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const changed = new Set<() => void>();
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const wake of changed) wake();
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const printed = (line: string, timeoutMs = 300_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!stdout.includes(line)) return;
          changed.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          changed.delete(check);
          reject(new Error(`python did not print ${line}: ${stdout}${stderr}`));
        }, timeoutMs);
        changed.add(check);
        check();
      });
    try {
      await printed('event {"type": "connected"}');
      await call(server.url, "mutation", "auth.logoutAll", { token: user.accessToken });
      await printed("closed 1008 logout_all");
      expect(await exited).toBe(0);
      expect(stdout.trim().split("\n")).toEqual([
        'event {"type": "connected"}',
        'event {"type": "revoked", "reason": "logout_all"}',
        "error UNAUTHORIZED",
        "closed 1008 logout_all",
      ]);
    } finally {
      child.kill();
    }
  });
});
