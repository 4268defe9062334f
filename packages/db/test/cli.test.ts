/** `pnpm db:migrate` failures: the database's (or the engine's) message first, no wasm frames. */
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const PACKAGE = fileURLToPath(new URL("..", import.meta.url));

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe("db:migrate", () => {
  it("names an unreachable database, password masked, with the engine's message and no stack", async () => {
    const port = await closedPort();
    const result = spawnSync(process.execPath, ["--import", "tsx", CLI, "migrate"], {
      cwd: PACKAGE,
      encoding: "utf8",
      env: {
        // eslint-disable-next-line no-restricted-properties -- the child's PATH, not config
        PATH: process.env.PATH,
        AUTH_SECRET: "3f6c0a4e9b1d27c85e0f4a6b9c2d71e8a5b3f0c6d9e2a4b7c1f8e3d6a0b5c9f2",
        DATABASE_URL: `postgresql://authkit:hunter2-secret@127.0.0.1:${port}/app`,
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `Migrating DATABASE_URL=postgresql://authkit:****@127.0.0.1:${port}/app failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(result.stdout + result.stderr).not.toMatch(/wasm|hunter2-secret|^\s+at /m);
  });
});
