/**
 * The processes and databases of a run: every server under test is a child process on loopback
 * (ours compiled, as `pnpm start` runs it), PostgreSQL databases are created per run and
 * dropped at the end, and nothing is left running when the bench exits.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import pg from "pg";

import { PRODUCTION_ENV, PRODUCTION_NODE_ARGS } from "@authkit/build/production";
import { RATE_LIMIT_VARIABLES } from "@authkit/config";

import { formatSummary } from "./cpuprofile";
import { layersPerRequest } from "./layers";
import type { Bench } from "./harness";
import { freePort, runCommand, spawnServer, type ServerProcess, type SpawnOptions } from "./proc";
import { fmt } from "./stats";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const BENCH = join(ROOT, "packages/bench");
export const WEB = join(ROOT, "apps/web");

/** Opens our servers' /api/metrics to the bench (statements per rotation). */
export const BENCH_METRICS_TOKEN = "authkit-bench-metrics-token";

/** Every RATE_LIMIT_* variable, set far above what the bench sends: the limiters run, never refuse. */
export const RATE_LIMIT_ENV: Record<string, string> = Object.fromEntries(
  RATE_LIMIT_VARIABLES.map((name) => [name, "10000000/1m"]),
);

export class Processes {
  readonly authSecret = randomBytes(32).toString("hex");
  readonly upstashToken = randomBytes(16).toString("hex");
  /** What every child inherits from the bench's own environment (nothing else leaks in). */
  readonly inheritedEnv: Record<string, string | undefined>;
  private readonly databases: string[] = [];
  private pgUrl = "";
  private upstash: ServerProcess | undefined;

  constructor(
    private readonly bench: Bench,
    readonly dirs: { tmp: string; logs: string; profiles: string },
    private readonly pgAdminUrl: string,
    parentEnv: Record<string, string | undefined>,
  ) {
    this.inheritedEnv = {
      PATH: parentEnv.PATH,
      HOME: parentEnv.HOME,
      TMPDIR: parentEnv.TMPDIR,
      NEXT_TELEMETRY_DISABLED: "1",
    };
  }

  /** Our servers' environment: production, one secret and issuer for the run, generous limits. */
  ourEnv(extra: Record<string, string>): Record<string, string | undefined> {
    return {
      ...this.inheritedEnv,
      ...PRODUCTION_ENV,
      NODE_ENV: "production",
      AUTH_SECRET: this.authSecret,
      // One issuer for every server of the run, whatever its port, so tokens carry over between
      // the custom server and `next start` on the same data directory.
      AUTH_ISSUER: "http://authkit-bench.localhost",
      ...RATE_LIMIT_ENV,
      // The rotation scenario logs in afresh for every run: with the default cap of 50 sessions
      // per user, the sessions the later scenarios use would be evicted (a 401 TOKEN_REVOKED).
      MAX_SESSIONS_PER_USER: "10000",
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      ...extra,
    };
  }

  /** `--cpu-prof` into the run's profile directory when --profile is on. */
  nodeArgs(name: string): string[] {
    if (!this.bench.options.profile) return [];
    const dir = join(this.dirs.profiles, name.replace(/[^\w.-]+/g, "_"));
    mkdirSync(dir, { recursive: true });
    return ["--cpu-prof", `--cpu-prof-dir=${dir}`];
  }

  /**
   * --profile-heap: SIGUSR2 writes a heap snapshot into the server's own directory, and V8
   * traces its GCs to the log (read for the heap's committed size). Nothing else changes.
   */
  heapArgs(name: string): string[] {
    if (!this.bench.options.profileHeap) return [];
    const dir = this.heapDir(name);
    mkdirSync(dir, { recursive: true });
    return ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${dir}`, "--trace-gc"];
  }

  heapDir(name: string): string {
    return join(this.dirs.profiles, "heap", name.replace(/[^\w.-]+/g, "_"));
  }

  async start(
    name: string,
    options: Omit<SpawnOptions, "name" | "logDir">,
  ): Promise<ServerProcess> {
    process.stdout.write(`  starting ${name}… `);
    const server = await spawnServer({ ...options, name, logDir: this.dirs.logs });
    this.bench.children.push(server);
    console.log(
      `ready in ${(server.readyMs / 1000).toFixed(1)} s (pid ${server.pid}, RSS ${fmt(server.rssKiB() / 1024)} MiB)`,
    );
    return server;
  }

  /** The production custom server (apps/web/dist/server.js: Next + the node-adapter API). */
  async startCustomServer(name: string, env: Record<string, string>): Promise<ServerProcess> {
    const port = await freePort();
    return this.start(name, {
      command: process.execPath,
      args: [
        ...this.nodeArgs(name),
        ...this.heapArgs(name),
        ...PRODUCTION_NODE_ARGS,
        "dist/server.js",
      ],
      cwd: WEB,
      env: this.ourEnv({ ...env, PORT: String(port) }),
      port,
      readyPath: "/api/trpc/health",
    });
  }

  /** A bench-only server from packages/bench/src (a ceiling or a peer), through tsx. */
  async startBenchServer(
    name: string,
    script: string,
    args: string[],
    { readyPath, env = {} }: { readyPath: string; env?: Record<string, string> },
  ): Promise<ServerProcess> {
    const port = await freePort();
    return this.start(name, {
      command: process.execPath,
      args: [...this.nodeArgs(name), "--import", "tsx", script, "--port", String(port), ...args],
      cwd: BENCH,
      env: { ...this.inheritedEnv, ...env },
      port,
      readyPath,
    });
  }

  async stop(server: ServerProcess): Promise<void> {
    await server.stop();
    this.bench.children.splice(this.bench.children.indexOf(server), 1);
    if (!this.bench.options.profile) return;
    const dir = join(this.dirs.profiles, server.name.replace(/[^\w.-]+/g, "_"));
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
    } catch {
      // not profiled
    }
    // The main thread's profile is the first (worker threads write their own, later).
    const main = files.sort()[0];
    if (!main) return;
    for (const window of this.bench.windows.get(server.name) ?? []) {
      console.log(`\n${formatSummary(join(dir, main), 25, undefined, window)}\n`);
      this.bench.layers.set(
        window.key,
        layersPerRequest(join(dir, main), [window.from, window.to], window.requests),
      );
    }
    console.log(`    profile: ${join(dir, main)}`);
  }

  /** One migrated PostgreSQL database for the run's PostgreSQL scenarios. */
  async ensurePostgres(): Promise<string> {
    if (this.pgUrl) return this.pgUrl;
    const url = await this.createDatabase(`authkit_bench_${process.pid}`);
    await runCommand(
      process.execPath,
      [...PRODUCTION_NODE_ARGS, "packages/db/dist/cli.js", "migrate"],
      { cwd: ROOT, env: { ...this.inheritedEnv, DATABASE_URL: url } },
    );
    this.pgUrl = url;
    return url;
  }

  /** The Upstash-protocol REST proxy in front of the local redis-server. */
  async ensureUpstash(): Promise<ServerProcess> {
    if (this.upstash) return this.upstash;
    const port = await freePort();
    const token = this.upstashToken;
    this.upstash = await this.start("upstash-rest proxy", {
      command: process.execPath,
      args: ["--import", "tsx", "src/cli.ts", "--port", String(port), "--token", token],
      cwd: join(ROOT, "tooling/upstash-rest"),
      env: this.inheritedEnv,
      port,
      readyPath: "/",
      ready: async (url) => {
        const res = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: '["PING"]',
        });
        await res.arrayBuffer();
        return res.ok;
      },
    });
    return this.upstash;
  }

  async createDatabase(name: string): Promise<string> {
    await this.admin(async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
    });
    this.databases.push(name);
    return `${this.pgAdminUrl}/${name}`;
  }

  /** Databases of earlier runs that died before cleaning up (their pid is gone). */
  async dropStaleDatabases(): Promise<void> {
    await this.admin(async (admin) => {
      const { rows } = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'authkit\\_bench\\_%'",
      );
      for (const { datname } of rows) {
        const pid = Number(/(\d+)$/.exec(datname)?.[1]);
        if (!isAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      }
    });
  }

  /** Stops every child still running and drops this run's databases. */
  async cleanUp(): Promise<void> {
    for (const child of [...this.bench.children].reverse())
      await child.stop().catch(() => undefined);
    if (this.databases.length === 0) return;
    await this.admin(async (admin) => {
      for (const name of this.databases)
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
  }

  /** Last resort on any exit: SIGKILL whatever is still running. */
  killAll(): void {
    for (const child of this.bench.children) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  private async admin(work: (admin: pg.Client) => Promise<void>): Promise<void> {
    const admin = new pg.Client({ connectionString: `${this.pgAdminUrl}/postgres` });
    await admin.connect();
    try {
      await work(admin);
    } finally {
      await admin.end();
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
