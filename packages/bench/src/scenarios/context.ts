import type { Bench } from "../harness";
import type { Login } from "../http";
import type { Processes } from "../processes";

/** What a scenario gets: the harness, the processes, and what earlier scenarios left behind. */
export interface Scenario {
  bench: Bench;
  procs: Processes;
  /** The embedded scenario's data directory and users, reused by the route-handler mount. */
  embedded: { dataDir: string; logins: Login[] };
}
