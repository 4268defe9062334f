/**
 * Latency under a login storm: health and user.me probed at a fixed 200 req/s each (one
 * connection per probe, so a probe never queues behind itself and its latency is the
 * server's), first with the server otherwise idle, then while 20 logins are in flight.
 */
import type { Login } from "../http";
import { runLoad, type LoadOptions, type LoadResult } from "../load";
import type { ServerProcess } from "../proc";
import { MAX_ATTEMPTS, MAX_OTHER_CORES } from "../harness";
import { fmt } from "../stats";
import { health, logins as loginLoad, userMe } from "../workload";

import type { Scenario } from "./context";

export const PROBE_RATE = 200;
export const LOGINS_IN_FLIGHT = 20;

export async function loginStorm(
  { bench }: Scenario,
  server: ServerProcess,
  key: string,
  label: string,
  { prefix, logins }: { prefix: string; logins: Login[] },
): Promise<void> {
  const { duration, warmup } = bench.options;
  const probe = (path: "health" | "me"): LoadOptions => ({
    ...(path === "health" ? health(server, 1) : userMe(server, logins, 1)),
    overallRate: PROBE_RATE,
  });
  const probes = (seconds: number) =>
    Promise.all([
      runLoad({ ...probe("health"), duration: seconds }),
      runLoad({ ...probe("me"), duration: seconds }),
    ]);
  const stormSeconds = duration + 2;
  type Probes = { idle: LoadResult[]; storm: LoadResult[]; logins: LoadResult; others: number };
  let best: Probes | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    await bench.waitForQuiet(`${label} latency probes`);
    await probes(warmup);
    const idleMark = bench.contention();
    const idle = await probes(stormSeconds);
    const idleOthers = idleMark();
    const storm = runLoad({
      ...loginLoad(server, prefix, LOGINS_IN_FLIGHT),
      duration: stormSeconds + 2,
    });
    // Let the storm reach its 20 in flight before probing.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stormMark = bench.contention();
    const during = await probes(stormSeconds);
    const others = Math.max(idleOthers, stormMark());
    const stormResult = await storm;
    if (!best || others < best.others) best = { idle, storm: during, logins: stormResult, others };
    if (others <= MAX_OTHER_CORES) break;
    bench.log(
      `    (${label} latency probes: other processes used ${others.toFixed(2)} cores${attempt < MAX_ATTEMPTS ? "; measuring again" : ""})`,
    );
  }
  const { idle, storm, logins: stormLogins, others } = best as Probes;
  bench.noteContention(`${label} latency probes`, others);
  const [idleHealth, idleMe] = idle as [LoadResult, LoadResult];
  const [stormHealth, stormMe] = storm as [LoadResult, LoadResult];
  const name = (what: string) => `${label}, probe ${PROBE_RATE} req/s, ${what}`;
  bench.addRow(`${key}.idle.health`, name("idle: health"), idleHealth);
  bench.addRow(
    `${key}.storm.health`,
    name(`${LOGINS_IN_FLIGHT} logins in flight: health`),
    stormHealth,
    `${key}.idle.health`,
  );
  bench.addRow(`${key}.idle.me`, name("idle: user.me"), idleMe);
  bench.addRow(
    `${key}.storm.me`,
    name(`${LOGINS_IN_FLIGHT} logins in flight: user.me`),
    stormMe,
    `${key}.idle.me`,
  );
  bench.figure(`${key}.storm.loginsPerSecond`, stormLogins.rps);
  bench.log(
    `    health p99 idle ${fmt(idleHealth.p99)} ms → storm ${fmt(stormHealth.p99)} ms; user.me p99 idle ${fmt(idleMe.p99)} ms → storm ${fmt(stormMe.p99)} ms; ${fmt(stormLogins.rps)} logins/s during the storm`,
  );
}
