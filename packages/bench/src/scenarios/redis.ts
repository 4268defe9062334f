/** The custom server on PostgreSQL with revocation in Redis (Upstash REST protocol, local proxy). */
import { join } from "node:path";

import { fmt } from "../stats";
import { assertProtected, health, seedUsers, userMe, USERS } from "../workload";

import type { Scenario } from "./context";

export async function redis({ bench, procs }: Scenario): Promise<void> {
  const connections = bench.options.connections;
  bench.log(
    "\n[redis] production custom server, PostgreSQL + Upstash-protocol Redis revocation store",
  );
  const url = await procs.ensurePostgres();
  const proxy = await procs.ensureUpstash();
  const server = await procs.startCustomServer("custom server, redis", {
    DATABASE_URL: url,
    DATA_DIR: join(procs.dirs.tmp, "redis-data"),
    UPSTASH_REDIS_REST_URL: proxy.url,
    UPSTASH_REDIS_REST_TOKEN: procs.upstashToken,
  });
  const logins = await seedUsers(server, "redis", USERS);
  await assertProtected(server, logins[0]!.accessToken);
  await bench.prewarm(health(server, connections), userMe(server, logins, connections));
  await bench.measure(
    "redis.health",
    "ours, PostgreSQL + Redis: health",
    server,
    health(server, connections),
    {
      baseline: "stock",
    },
  );
  const proxyCpu0 = proxy.cpuMicros();
  const me = await bench.measure(
    "redis.me",
    "ours, PostgreSQL + Redis store: user.me",
    server,
    userMe(server, logins, connections),
    { baseline: "redis.health" },
  );
  // The REST proxy's CPU is on this machine too (Upstash would be remote): say how much.
  const { warmup, duration } = bench.options;
  const perRequest =
    (proxy.cpuMicros() - proxyCpu0) / Math.max(1, me.result.ok * (1 + warmup / duration));
  bench.figure("redis.proxyCpuPerRequest", perRequest);
  bench.log(
    `    (the Upstash REST proxy spent ~${fmt(perRequest)} µs CPU per user.me on the same 2 cores)`,
  );
  await procs.stop(server);
}
