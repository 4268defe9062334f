/**
 * Refresh rotation: CHAINS users, each chain strictly sequential (refresh with its cookie, take
 * the new cookie, repeat), all CHAINS in flight. The warm-up gets chains of its own: the
 * requests in flight when a run stops are rotated by the server, but their new cookies are
 * never read, so those chains are gone.
 */
import type { ServerProcess } from "../proc";
import { CHAINS, refreshChains, seedUsers } from "../workload";

import type { Scenario } from "./context";

export async function rotation(
  { bench }: Scenario,
  server: ServerProcess,
  key: string,
  label: string,
): Promise<void> {
  const warmChains = await seedUsers(server, `${key}-warm-chain`, CHAINS);
  const chains = await seedUsers(server, `${key}-chain`, CHAINS);
  const counters = { failed: 0 };
  await bench.measure(
    `${key}.refresh`,
    `${label}: auth.refresh, ${CHAINS} concurrent chains`,
    server,
    refreshChains(server, chains, counters),
    {
      baseline: `${key}.health`,
      warmup: refreshChains(server, warmChains, { failed: 0 }),
    },
  );
  if (counters.failed > 0)
    bench.notes.push(`${label} refresh: ${counters.failed} rotations failed (chain lost)`);
}
