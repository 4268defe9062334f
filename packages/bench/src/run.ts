/**
 * `pnpm bench`: every server under test is a child process on loopback; autocannon runs here.
 *
 *   pnpm bench                         the full run (builds the compiled servers through turbo first)
 *   pnpm bench --only ceil,embedded    a subset: ceil, embedded, next, pg, redis, peer, micro
 *   pnpm bench --profile               also writes .cpuprofile files of our servers and summarizes them
 *   pnpm bench --profile-heap          heap snapshots of our servers before and after the
 *                                      --memory-requests, compared (top growers, RSS vs heap)
 *   pnpm bench --duration 6 --warmup 2 --memory-requests 20000 --out report.md
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and redis-server on 127.0.0.1:6379.
 * Creates and drops its own throwaway databases. Layout: processes.ts (servers, databases),
 * harness.ts (measurement), workload.ts (requests), scenarios/ (one file each), report.ts (tables
 * and the goals).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { Bench } from "./harness";
import { runCommand } from "./proc";
import { Processes, ROOT } from "./processes";
import { report } from "./report";
import { ceilings } from "./scenarios/ceilings";
import type { Scenario } from "./scenarios/context";
import { embedded } from "./scenarios/embedded";
import { micro, type MicroOutput } from "./scenarios/micro";
import { nextStart } from "./scenarios/next";
import { peer } from "./scenarios/peer";
import { postgres } from "./scenarios/postgres";
import { redis } from "./scenarios/redis";

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    duration: { type: "string", default: "6" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "64" },
    profile: { type: "boolean", default: false },
    "profile-heap": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    out: { type: "string" },
    "memory-requests": { type: "string", default: "20000" },
    "pg-url": { type: "string", default: "postgresql://postgres@127.0.0.1:5432" },
  },
});
const ALL = ["micro", "ceil", "embedded", "next", "pg", "redis", "peer"];
const only = new Set((args.only ?? ALL.join(",")).split(",").map((s) => s.trim()));
const unknown = [...only].filter((name) => !ALL.includes(name));
if (unknown.length > 0) {
  console.error(`unknown scenario(s) ${unknown.join(", ")}: use ${ALL.join(", ")}`);
  process.exit(2);
}

const bench = new Bench({
  duration: Number(args.duration),
  warmup: Number(args.warmup),
  connections: Number(args.connections),
  profile: args.profile,
  profileHeap: args["profile-heap"],
  memoryRequests: Number(args["memory-requests"]),
});
const tmp = mkdtempSync(join(tmpdir(), "authkit-bench-"));
const dirs = { tmp, logs: join(tmp, "logs"), profiles: join(tmp, "profiles") };
mkdirSync(dirs.logs, { recursive: true });
// The bench is a process entry: it builds each child's environment explicitly from its own.
// eslint-disable-next-line no-restricted-properties
const parentEnv = process.env;
const procs = new Processes(bench, dirs, args["pg-url"], parentEnv);
const scenario: Scenario = {
  bench,
  procs,
  embedded: { dataDir: join(tmp, "embedded"), logins: [] },
};

const started = Date.now();
const cpu = cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
const loadAtStart = load();
bench.log(`authkit bench: ${machine}; load average ${loadAtStart}`);
bench.log(
  `duration ${bench.options.duration} s + ${bench.options.warmup} s warm-up per scenario, ${bench.options.connections} connections`,
);
bench.log(`logs: ${dirs.logs}`);
// A crash must not leave servers behind: kill what is still running on any exit.
process.on("exit", () => procs.killAll());
process.on("uncaughtException", (error) => {
  console.error("\nbench crashed:", error);
  process.exit(1);
});

await procs.dropStaleDatabases().catch(() => undefined);
let microResult: MicroOutput | undefined;
let failed = false;
try {
  const needsOurs = ["embedded", "next", "pg", "redis", "micro"].some((s) => only.has(s));
  if (needsOurs && !args["no-build"]) {
    bench.log("building the app and the compiled servers (turbo cache)…");
    await runCommand("pnpm", ["turbo", "run", "build", "--filter=@authkit/web"], {
      cwd: ROOT,
      env: { ...procs.inheritedEnv, TURBO_TOKEN: parentEnv.TURBO_TOKEN },
    });
  }
  if (only.has("micro")) microResult = await micro(scenario);
  if (only.has("ceil")) await ceilings(scenario);
  if (only.has("embedded")) await embedded(scenario);
  if (only.has("next")) await nextStart(scenario);
  if (only.has("pg")) await postgres(scenario);
  if (only.has("redis")) await redis(scenario);
  if (only.has("peer")) await peer(scenario);
} catch (error) {
  failed = true;
  console.error("\nbench failed:", error);
} finally {
  await procs.cleanUp().catch((error: unknown) => console.error("clean-up failed:", error));
}

const header = `Run ${new Date().toISOString()} on ${machine}; ${((Date.now() - started) / 1000).toFixed(0)} s total; load average ${loadAtStart} at the start, ${load()} at the end.`;
const text = report(bench, microResult);
bench.log(`\n${header}\n\n${text}`);
const out = args.out ?? join(tmp, "report.md");
writeFileSync(out, `${header}\n\n${text}\n`);
bench.log(`\nreport written to ${out}`);
if (!args.profile && !args["profile-heap"])
  rmSync(join(tmp, "embedded"), { recursive: true, force: true });
process.exit(failed ? 1 : 0);
