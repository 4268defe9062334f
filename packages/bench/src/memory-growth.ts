/**
 * Where the embedded server's RSS grows, without heap snapshots (which leave memory of their own
 * resident): resident memory by kind of mapping (./memory-map) after start, after seeding the
 * users (registrations and logins: argon2id, the password-strength dictionaries) and after each
 * block of authenticated requests. Nothing is forced: no GC, no snapshot.
 *
 *   pnpm --filter @authkit/bench exec node --import tsx src/memory-growth.ts [requests] [blocks]
 *
 * Needs the compiled server (pnpm bench builds it).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Bench } from "./harness";
import { runLoad } from "./load";
import { MEMORY_MAP_ROWS, memoryMap, type MemoryMap } from "./memory-map";
import { Processes } from "./processes";
import { fmt, markdownTable } from "./stats";
import { seedUsers, userMe, USERS } from "./workload";

const requests = Number(process.argv[2] ?? 20_000);
const blocks = Number(process.argv[3] ?? 2);
const bench = new Bench({
  duration: 3,
  warmup: 1,
  connections: 64,
  profile: false,
  profileHeap: false,
  memoryRequests: requests,
});
const tmp = mkdtempSync(join(tmpdir(), "authkit-memory-"));
const dirs = { tmp, logs: join(tmp, "logs"), profiles: join(tmp, "profiles") };
mkdirSync(dirs.logs, { recursive: true });
// A process entry: the servers' environment is built from this one's.
// eslint-disable-next-line no-restricted-properties
const procs = new Processes(bench, dirs, "postgresql://unused", process.env);
process.on("exit", () => procs.killAll());

const points: [string, MemoryMap | undefined][] = [];
try {
  const server = await procs.startCustomServer("custom server, embedded", {
    DATA_DIR: join(tmp, "embedded"),
  });
  points.push(["after start", memoryMap(server.pid)]);
  const logins = await seedUsers(server, "memory", USERS);
  points.push([`after ${USERS} registrations and logins`, memoryMap(server.pid)]);
  for (let block = 1; block <= blocks; block++) {
    const result = await runLoad({ ...userMe(server, logins, 64), amount: requests });
    if (result.ok !== result.total) throw new Error(`${result.total - result.ok} user.me failed`);
    points.push([
      `after ${(block * requests).toLocaleString("en-US")} user.me`,
      memoryMap(server.pid),
    ]);
  }
  await procs.stop(server);
} finally {
  await procs.cleanUp();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `\n${markdownTable(
    ["resident MiB (smaps)", ...points.map(([label]) => label)],
    MEMORY_MAP_ROWS.map(([kind, label]) => [
      label,
      ...points.map(([, map]) => fmt(map ? map[kind] / 1024 : undefined)),
    ]),
  )}`,
);
process.exit(0);
