/**
 * Running it in production (issue 27), on the compiled server process as production runs it:
 * migrations checked at start (refused, or applied once under MIGRATE_ON_START by instances
 * starting together from one build), one process per embedded data directory, readiness and
 * metrics, a drain on SIGTERM that answers every login in flight, and listen errors.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

import { PRODUCTION_NODE_ARGS } from "@authkit/build/production";
import { openDatabase } from "@authkit/db";
import {
  createTestDatabase,
  POSTGRES_ADMIN_URL,
  postgresAvailable,
  redisAvailable,
  startRedisServer,
} from "@authkit/db/testing";

import { call, login, registerAndLogin } from "./harness";
import { REPO, runServerToExit, serverEnv, startServerProcess } from "./server-process";

const MIGRATIONS = readdirSync(join(REPO, "prisma", "migrations"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const DB_CLI = fileURLToPath(new URL("../../db/dist/cli.js", import.meta.url));
const STACK_FRAME = /^\s+at /m;

const dropped: string[] = [];
afterAll(async () => {
  if (dropped.length === 0) return;
  const admin = await openDatabase({ url: POSTGRES_ADMIN_URL });
  for (const name of dropped)
    await admin.prisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.close();
});

/** A new PostgreSQL database with nothing in it (no migration applied). */
async function emptyDatabase(): Promise<string> {
  const name = `ops_${randomBytes(6).toString("hex")}`;
  const admin = await openDatabase({ url: POSTGRES_ADMIN_URL });
  await admin.prisma.$executeRawUnsafe(`CREATE DATABASE ${name}`);
  await admin.close();
  dropped.push(name);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function appliedMigrations(url: string): Promise<string[]> {
  const db = await openDatabase({ url });
  try {
    const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations ORDER BY migration_name`;
    return rows.map((row) => row.migration_name);
  } finally {
    await db.close();
  }
}

describe.runIf(await postgresAvailable())("migrations at start (PostgreSQL)", () => {
  it("refuses an empty database with one message naming the command, and exits 1", async () => {
    const url = await emptyDatabase();
    const result = await runServerToExit({ DATABASE_URL: url });
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain(
      `${MIGRATIONS.length} migrations pending on DATABASE_URL=${url}: run \`pnpm db:migrate\`, or set MIGRATE_ON_START=true`,
    );
    expect(output).not.toMatch(STACK_FRAME);
  });

  it("MIGRATE_ON_START: two instances from one build on one empty database migrate once, and both serve", async () => {
    const url = await emptyDatabase();
    const env = {
      DATABASE_URL: url,
      MIGRATE_ON_START: "true",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
    };
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    try {
      expect(await appliedMigrations(url)).toEqual([...MIGRATIONS].sort());
      // Exactly one of them applied the migrations; the other waited on the lock, found none.
      const migratedBy = [a, b].filter((server) => server.output().includes('"migrations":["'));
      expect(migratedBy).toHaveLength(1);
      // One issuer (APP_URL): a token from one is good on the other.
      const user = await registerAndLogin(a.url);
      const me = await call(b.url, "query", "user.me", { token: user.accessToken });
      expect(me.status).toBe(200);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("refuses a database migrated by a newer release", async () => {
    const db = await createTestDatabase("postgresql");
    try {
      await db.prisma.$executeRaw`
        INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count)
        VALUES ('newer', 'x', '29990101000000_from_the_future', now(), 1)`;
      const result = await runServerToExit({ DATABASE_URL: db.url! });
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toMatch(
        /1 migration this release does not know \(29990101000000_from_the_future\): it was migrated by a newer release/,
      );
    } finally {
      await db.destroy();
    }
  });

  it("requires APP_URL with DATABASE_URL: the token issuer all instances share", async () => {
    const db = await createTestDatabase("postgresql");
    try {
      const result = await runServerToExit({ DATABASE_URL: db.url!, APP_URL: "" });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^ {2}- APP_URL: required with DATABASE_URL/m);
    } finally {
      await db.destroy();
    }
  });
});

describe("one process per embedded data directory", () => {
  it("refuses a second server and `db:migrate` naming the directory and the PID; a killed holder's lock does not block", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "authkit-lock-"));
    const pglite = join(dataDir, "pglite");
    const first = await startServerProcess({ DATA_DIR: dataDir });
    try {
      const second = await runServerToExit({ DATA_DIR: dataDir });
      expect(second.code).toBe(1);
      const message = `The embedded database at ${pglite} is in use by process ${first.process.pid}`;
      expect(second.stdout + second.stderr).toContain(message);
      expect(second.stdout + second.stderr).not.toMatch(STACK_FRAME);

      const migrate = spawnSync(
        process.execPath,
        [...PRODUCTION_NODE_ARGS.slice(0, 1), DB_CLI, "migrate"],
        {
          cwd: REPO,
          encoding: "utf8",
          env: serverEnv({ DATA_DIR: dataDir }),
        },
      );
      expect(migrate.status).toBe(1);
      expect(migrate.stderr).toContain(message);
    } finally {
      // A crash: no shutdown, the lock directory stays behind.
      first.process.kill("SIGKILL");
      await new Promise((resolve) => first.process.once("exit", resolve));
    }
    const after = await startServerProcess({ DATA_DIR: dataDir });
    await after.stop();
    expect(after.process.exitCode).toBe(0);
  });
});

describe("listen errors", () => {
  let holder: NetServer;
  afterAll(() => holder?.close());

  it("a busy port: one line naming the port, exit 1", async () => {
    holder = createNetServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, "127.0.0.1", () => resolve((holder.address() as { port: number }).port)),
    );
    const dataDir = mkdtempSync(join(tmpdir(), "authkit-port-"));
    const result = await runServerToExit({
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_FORMAT: "json",
    });
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain(`Cannot listen on 127.0.0.1:${port}: the address is already in use`);
    expect(output.match(/EADDRINUSE/g) ?? []).toHaveLength(0);
    expect(output).not.toMatch(STACK_FRAME);
  });

  it("the ready line names the address bound and APP_URL apart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "authkit-ready-"));
    const server = await startServerProcess({
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
    });
    await server.stop();
    expect(server.output()).toContain(`API listening on ${server.url} (APP_URL http://app.test)`);
  });
});

describe.runIf(await redisAvailable())("readiness and metrics", () => {
  it("ready flips to 503 naming the parts when Redis stops; health stays 200; no secrets", async () => {
    const redis = await startRedisServer();
    const dataDir = mkdtempSync(join(tmpdir(), "authkit-ready-"));
    const server = await startServerProcess({
      DATA_DIR: dataDir,
      REDIS_URL: `redis://default:hunter2-secret@127.0.0.1:${redis.port}`,
    });
    try {
      const ready = await fetch(`${server.url}/api/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true });
      await redis.stop();
      const down = await fetch(`${server.url}/api/ready`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { ready: boolean; failing: Record<string, string> };
      expect(body.ready).toBe(false);
      expect(Object.keys(body.failing).sort()).toEqual(["rate_limiter", "revocation_store"]);
      expect(JSON.stringify(body)).not.toMatch(/hunter2|127\.0\.0\.1|redis:/);
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      await redis.start();
    } finally {
      await server.stop();
      await redis.stop();
    }
  });

  it("metrics: off without METRICS_TOKEN, bearer-protected, Prometheus text with logins and routes", async () => {
    const off = await startServerProcess({ DATA_DIR: mkdtempSync(join(tmpdir(), "authkit-m-")) });
    try {
      expect((await fetch(`${off.url}/api/metrics`)).status).toBe(404);
    } finally {
      await off.stop();
    }
    const token = randomBytes(16).toString("hex");
    const server = await startServerProcess({
      DATA_DIR: mkdtempSync(join(tmpdir(), "authkit-m-")),
      METRICS_TOKEN: token,
    });
    try {
      expect((await fetch(`${server.url}/api/metrics`)).status).toBe(401);
      const wrong = await fetch(`${server.url}/api/metrics`, {
        headers: { authorization: `Bearer ${token.slice(1)}x` },
      });
      expect(wrong.status).toBe(401);
      const user = await registerAndLogin(server.url);
      await expect(login(server.url, user.email, "wrong password!")).rejects.toThrow();
      const scraped = await fetch(`${server.url}/api/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const samples = parsePrometheus(await scraped.text());
      expect(samples.get('authkit_logins_total{outcome="succeeded",reason=""}')).toBe(1);
      expect(samples.get('authkit_logins_total{outcome="failed",reason="wrong_password"}')).toBe(1);
      expect(
        samples.get('authkit_http_requests_total{route="auth.login",method="POST",status="200"}'),
      ).toBe(1);
      expect(
        samples.get(
          'authkit_http_requests_total{route="auth.register",method="POST",status="200"}',
        ),
      ).toBe(1);
      expect(samples.get('authkit_live_connections{transport="ws"}')).toBe(0);
      expect([...samples.keys()].some((key) => key.startsWith("process_cpu_seconds_total"))).toBe(
        true,
      );
      // Statements sent to the database: registering and two logins sent some, one more sends more.
      const statements = samples.get("authkit_db_statements_total") ?? 0;
      expect(statements).toBeGreaterThan(0);
      await expect(login(server.url, user.email, "wrong again!")).rejects.toThrow();
      const again = await fetch(`${server.url}/api/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const later = parsePrometheus(await again.text()).get("authkit_db_statements_total") ?? 0;
      expect(later).toBeGreaterThan(statements);
    } finally {
      await server.stop();
    }
  });
});

/** `name{labels} value` lines into a map (comments skipped). */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

describe("graceful shutdown", () => {
  it("SIGTERM: every login in flight gets its whole answer, live sockets get 1001, new connections are refused, exit 0", async () => {
    const token = randomBytes(16).toString("hex");
    const server = await startServerProcess({
      DATA_DIR: mkdtempSync(join(tmpdir(), "authkit-drain-")),
      METRICS_TOKEN: token,
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
    });
    const users = await Promise.all(Array.from({ length: 4 }, () => registerAndLogin(server.url)));
    const { data } = await call<{ ticket: string }>(server.url, "mutation", "auth.ticket", {
      token: users[0]!.accessToken,
    });
    const socket = new WebSocket(
      `${server.url.replace("http", "ws")}/api/trpc?ticket=${data.ticket}`,
    );
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));

    // 16 logins whose bodies are held back: the server has them (in flight) and must wait for
    // the rest, which comes only after SIGTERM has started the drain.
    const logins = Array.from({ length: 16 }, (_, index) =>
      heldLogin(server.url, users[index % 4]!),
    );
    await waitFor(async () => (await inFlight(server.url, token)) >= 17);
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGTERM");
    await waitFor(() => Promise.resolve(server.output().includes("shutting down, draining")));
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
    for (const held of logins) held.finish();
    const answers = await Promise.all(logins.map((held) => held.answer));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(
        (JSON.parse(answer.body) as { result: { data: { accessToken: string } } }).result.data
          .accessToken,
      ).toMatch(/^ey/);
    }
    expect(await closed).toBe(1001);
    expect(await exited).toBe(0);
    expect(server.output()).toMatch(/"msg":"Shut down"/);
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function inFlight(base: string, token: string): Promise<number> {
  const response = await fetch(`${base}/api/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return parsePrometheus(await response.text()).get("authkit_http_requests_in_flight") ?? 0;
}

/** A login on a connection of its own whose body is sent in two parts: `finish` sends the rest. */
function heldLogin(base: string, user: { email: string; password: string }) {
  const body = Buffer.from(JSON.stringify({ email: user.email, password: user.password }));
  const req = request(`${base}/api/trpc/auth.login`, {
    method: "POST",
    agent: false,
    headers: { "content-type": "application/json", "content-length": body.length },
  });
  req.flushHeaders();
  req.write(body.subarray(0, 4));
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once("response", (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.once("error", reject);
    });
    req.once("error", reject);
  });
  return { answer, finish: () => req.end(body.subarray(4)) };
}

describe("build once, run many", () => {
  const GUARD = join(REPO, "apps", "web", "scripts", "refuse-if-serving.mjs");
  const MARKS = join(REPO, "apps", "web", ".serving");

  it("a build refuses while a live process serves this checkout's build, and ignores a dead one's mark", () => {
    mkdirSync(MARKS, { recursive: true });
    // A live server's mark: this test process stands in for it.
    const live = join(MARKS, String(process.pid));
    writeFileSync(live, `${process.pid}\n`);
    try {
      const refused = spawnSync(process.execPath, [GUARD], { encoding: "utf8" });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(
        `Not building: the server with PID ${process.pid} is serving this build (apps/web/.next)`,
      );
    } finally {
      rmSync(live, { force: true });
    }
    // A killed server's mark: its PID no longer exists.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout;
    const stale = join(MARKS, gone);
    writeFileSync(stale, `${gone}\n`);
    const allowed = spawnSync(process.execPath, [GUARD], { encoding: "utf8" });
    expect(allowed.status).toBe(0);
    expect(existsSync(stale)).toBe(false);
  });
});
