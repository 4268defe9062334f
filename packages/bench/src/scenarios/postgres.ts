/** The custom server on PostgreSQL with the database revocation store. */
import { join } from "node:path";

import { health, logins as loginLoad, userMe } from "../workload";

import type { Scenario } from "./context";
import { footprint } from "./footprint";
import { rotation } from "./rotation";
import { LOGINS_IN_FLIGHT, loginStorm } from "./storm";

export async function postgres(scenario: Scenario): Promise<void> {
  const { bench, procs } = scenario;
  const connections = bench.options.connections;
  bench.log("\n[pg] production custom server, PostgreSQL + database revocation store");
  const url = await procs.ensurePostgres();
  const server = await procs.startCustomServer("custom server, postgres", {
    DATABASE_URL: url,
    DATA_DIR: join(procs.dirs.tmp, "pg-data"),
  });
  const logins = await footprint(scenario, server, "pg", "pg");
  await bench.prewarm(health(server, connections), userMe(server, logins, connections));
  await bench.measure(
    "pg.health",
    "ours, PostgreSQL: health",
    server,
    health(server, connections),
    {
      baseline: "stock",
    },
  );
  await bench.measure(
    "pg.me",
    "ours, PostgreSQL + db store: user.me",
    server,
    userMe(server, logins, connections),
    { baseline: "pg.health" },
  );
  await bench.measure(
    "pg.login",
    `ours, PostgreSQL: auth.login (argon2id), ${LOGINS_IN_FLIGHT} in flight`,
    server,
    loginLoad(server, "pg", LOGINS_IN_FLIGHT),
  );
  await rotation(scenario, server, "pg", "ours, PostgreSQL");
  await loginStorm(scenario, server, "pg", "PostgreSQL", { prefix: "pg", logins });
  await procs.stop(server);
}
