/**
 * Refresh rotation: CHAINS users, each chain strictly sequential (refresh with its cookie, take
 * the new cookie, repeat), all CHAINS in flight. Every run (warm-up, measured, and each re-run)
 * starts from fresh logins: the requests in flight when a run stops are rotated by the server
 * but their new cookies are never read, so a run spends all its chains.
 */
import { runLoad } from "../load";
import type { ServerProcess } from "../proc";
import { BENCH_METRICS_TOKEN } from "../processes";
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
  await statementsPerRotation({ bench }, server, key, prefix);
}

/**
 * The database statements a rotation costs under the same load, from the server's own counter
 * (`authkit_db_statements_total`): rotations of one event-loop turn share their statements.
 */
async function statementsPerRotation(
  { bench }: Pick<Scenario, "bench">,
  server: ServerProcess,
  key: string,
  prefix: string,
): Promise<void> {
  const chains = await loginUsers(server, prefix, CHAINS);
  const before = await statementsSent(server);
  const result = await runLoad({
    ...refreshChains(server, chains, { failed: 0 }),
    duration: bench.options.duration,
  });
  const sent = (await statementsSent(server)) - before;
  bench.figure(`${key}.refresh.statements`, sent / Math.max(1, result.ok));
  bench.log(`    statements per rotation: ${(sent / Math.max(1, result.ok)).toFixed(2)}`);
}

async function statementsSent(server: ServerProcess): Promise<number> {
  const response = await fetch(`${server.url}/api/metrics`, {
    headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` },
  });
  const text = await response.text();
  const line = text.split("\n").find((l) => l.startsWith("authkit_db_statements_total "));
  if (!line) throw new Error(`no authkit_db_statements_total in /api/metrics (${response.status})`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}
