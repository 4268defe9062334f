/**
 * Refresh rotation: CHAINS users, each chain strictly sequential (refresh with its cookie, take
 * the new cookie, repeat), all CHAINS in flight. Every run (warm-up, measured, and each re-run)
 * starts from fresh logins: the requests in flight when a run stops are rotated by the server
 * but their new cookies are never read, so a run spends all its chains.
 */
import type { ServerProcess } from "../proc";
import { CHAINS, loginUsers, refreshChains, seedUsers } from "../workload";

import type { Scenario } from "./context";

export async function rotation(
  { bench }: Scenario,
  server: ServerProcess,
  key: string,
  label: string,
): Promise<void> {
  const prefix = `${key}-chain`;
  await seedUsers(server, prefix, CHAINS);
  let counters = { failed: 0 };
  await bench.measure(
    `${key}.refresh`,
    `${label}: auth.refresh, ${CHAINS} concurrent chains`,
    server,
    async () => {
      counters = { failed: 0 };
      return refreshChains(server, await loginUsers(server, prefix, CHAINS), counters);
    },
    {
      baseline: `${key}.health`,
      warmup: async () =>
        refreshChains(server, await loginUsers(server, prefix, CHAINS), { failed: 0 }),
    },
  );
  if (counters.failed > 0)
    bench.notes.push(`${label} refresh: ${counters.failed} rotations failed (chain lost)`);
}
