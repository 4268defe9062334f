/**
 * `REDIS_URL` as an operator sets it, on the compiled server process: over TLS (`rediss://`)
 * with the server's certificate checked against the CAs the process trusts, and a Redis that
 * does not answer at start-up as one clear line and exit 1.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTestDatabase,
  redisAvailable,
  startRedisServer,
  type RedisServer,
  type RedisTls,
  type TestDatabase,
} from "@authkit/db/testing";

import { call, quickDatabase, registerAndLogin } from "./harness";
import { runServerToExit, startServerProcess } from "./server-process";

const STACK_FRAME = /^\s+at /m;

/** A throw-away CA and a certificate for localhost it signed, made with openssl. */
function certificates(dir: string): RedisTls {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`openssl ${args[0]}: ${result.stderr}`);
  };
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=authkit test CA",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    file("redis.key"),
    "-out",
    file("redis.csr"),
  );
  writeFileSync(file("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n");
  openssl(
    "x509",
    "-req",
    "-days",
    "1",
    "-in",
    file("redis.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-extfile",
    file("san.ext"),
    "-out",
    file("redis.pem"),
  );
  return { cert: file("redis.pem"), key: file("redis.key"), ca: file("ca.pem") };
}

describe.runIf(await redisAvailable())("REDIS_URL on the server process", () => {
  let dir: string;
  let tls: RedisTls;
  let redis: RedisServer;
  let db: TestDatabase;
  /** A database of the suite's own: PostgreSQL when there is one, else a PGlite directory. */
  let database: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "authkit-redis-tls-"));
    tls = certificates(dir);
    redis = await startRedisServer({ tls });
    db = await createTestDatabase(await quickDatabase());
    database = db.url ? { DATABASE_URL: db.url } : { DATA_DIR: join(dir, "data") };
  });
  afterAll(async () => {
    await db?.destroy();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // With PostgreSQL, the revocation bus subscribes over TLS too.
  it("speaks TLS to a rediss:// URL whose certificate the process trusts", async () => {
    const server = await startServerProcess({
      ...database,
      REDIS_URL: redis.url,
      NODE_EXTRA_CA_CERTS: tls.ca,
    });
    try {
      const user = await registerAndLogin(server.url);
      expect((await call(server.url, "query", "user.me", { token: user.accessToken })).status).toBe(
        200,
      );
      const logout = await call(server.url, "mutation", "auth.logout", {
        token: user.accessToken,
        cookie: user.cookie,
      });
      expect(logout.status).toBe(200);
      expect((await call(server.url, "query", "user.me", { token: user.accessToken })).status).toBe(
        401,
      );
    } finally {
      await server.stop();
    }
  });

  it("refuses to start against a certificate it does not trust", async () => {
    const result = await runServerToExit({
      ...database,
      REDIS_URL: redis.url,
      LOG_FORMAT: "json",
    });
    expect(result.code).toBe(1);
    const fatal = fatalLine(result.stdout);
    expect(fatal.variable).toBe("REDIS_URL");
    expect(fatal.msg).toMatch(/^REDIS_URL: Redis did not answer \(.*certificate/);
  });

  it("names a Redis that does not answer, without the password or a stack, and exits 1", async () => {
    const closed = await startRedisServer();
    await closed.stop();
    const result = await runServerToExit({
      ...database,
      REDIS_URL: `redis://default:hunter2-secret@127.0.0.1:${closed.port}/3`,
      LOG_FORMAT: "json",
    });
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).not.toContain("hunter2-secret");
    expect(output).not.toMatch(STACK_FRAME);
    const fatal = fatalLine(result.stdout);
    expect(fatal.variable).toBe("REDIS_URL");
    expect(fatal.msg).toBe(
      `REDIS_URL: Redis did not answer (connect ECONNREFUSED 127.0.0.1:${closed.port})`,
    );
  });
});

function fatalLine(stdout: string): { msg: string; variable?: string } {
  const fatal = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { level: number; msg: string; variable?: string })
    .find((line) => line.level === 60);
  expect(fatal, stdout).toBeDefined();
  return fatal!;
}
