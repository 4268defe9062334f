/** The route-handler mount: `next start` (tRPC's fetch adapter) on the embedded data directory. */
import { join } from "node:path";

import { freePort } from "../proc";
import { WEB } from "../processes";
import { assertProtected, health, seedUsers, userMe, USERS } from "../workload";

import type { Scenario } from "./context";

export async function nextStart(scenario: Scenario): Promise<void> {
  const { bench, procs } = scenario;
  const connections = bench.options.connections;
  bench.log("\n[next] route-handler mount (next start), same embedded database");
  if (scenario.embedded.logins.length === 0) {
    // Run alone: the custom server creates and migrates the directory and seeds the users.
    const seeder = await procs.startCustomServer("custom server, seeding", {
      DATA_DIR: scenario.embedded.dataDir,
    });
    scenario.embedded.logins = await seedUsers(seeder, "embedded", USERS);
    await procs.stop(seeder);
  }
  const { logins, dataDir } = scenario.embedded;
  const port = await freePort();
  const name = "next start, embedded";
  const server = await procs.start(name, {
    command: process.execPath,
    args: [
      ...procs.nodeArgs(name),
      join(WEB, "node_modules/next/dist/bin/next"),
      "start",
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
    ],
    cwd: WEB,
    env: procs.ourEnv({ DATA_DIR: dataDir, PORT: String(port) }),
    port,
    readyPath: "/api/trpc/health",
  });
  await assertProtected(server, logins[0]!.accessToken);
  await bench.prewarm(health(server, connections), userMe(server, logins, connections));
  await bench.measure(
    "next.health",
    "ours, next start route handler: health",
    server,
    health(server, connections),
    { baseline: "emb.health" },
  );
  await bench.measure(
    "next.me",
    "ours, next start route handler: user.me",
    server,
    userMe(server, logins, connections),
    { baseline: "next.health" },
  );
  await procs.stop(server);
}
