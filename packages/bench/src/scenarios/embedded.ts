/** The embedded default (`pnpm start` without DATABASE_URL): the custom server on PGlite. */
import { join } from "node:path";

import { health, userMe } from "../workload";

import type { Scenario } from "./context";
import { footprint } from "./footprint";
import { rotation } from "./rotation";
import { loginStorm } from "./storm";

export async function embedded(scenario: Scenario): Promise<void> {
  const { bench, procs } = scenario;
  const connections = bench.options.connections;
  bench.log("\n[embedded] production custom server (apps/web/dist/server.js), PGlite");
  const dataDir = join(procs.dirs.tmp, "embedded");
  // A new data directory: start-to-ready includes creating and migrating the database.
  const server = await procs.startCustomServer("custom server, embedded", { DATA_DIR: dataDir });
  const logins = await footprint(scenario, server, "emb", "embedded");
  scenario.embedded = { dataDir, logins };
  await bench.prewarm(health(server, connections), userMe(server, logins, connections));
  await bench.measure("emb.health", "ours, embedded: health", server, health(server, connections), {
    baseline: "stock",
  });
  await bench.measure(
    "emb.me",
    "ours, embedded: user.me",
    server,
    userMe(server, logins, connections),
    {
      baseline: "emb.health",
    },
  );
  await rotation(scenario, server, "emb", "ours, embedded");
  await loginStorm(scenario, server, "emb", "embedded", { prefix: "embedded", logins });
  await procs.stop(server);

  // The usual start: the same directory again, nothing to migrate.
  const again = await procs.startCustomServer("custom server, embedded restart", {
    DATA_DIR: dataDir,
  });
  bench.figure("emb.ready.existing.ms", again.readyMs);
  bench.figure("emb.rss.existing", again.rssKiB() / 1024);
  await procs.stop(again);
}
