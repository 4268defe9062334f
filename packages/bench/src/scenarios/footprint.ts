/**
 * Start-to-ready and memory of one of our servers: RSS of its process tree right after it
 * answers, then after `memoryRequests` authenticated requests (user.me, 64 connections), which
 * follow the seeding of the users (16 registrations and logins: argon2id). With --profile-heap, a
 * heap snapshot is taken at both readings (after them) and the two are compared (../heap-profile).
 */
import { compareHeap, heapPoint } from "../heap-profile";
import { growersTable, residentTable } from "../heap-report";
import type { Login } from "../http";
import { runLoad } from "../load";
import type { ServerProcess } from "../proc";
import { fmt } from "../stats";
import { assertProtected, seedUsers, userMe, USERS } from "../workload";

import type { Scenario } from "./context";

export async function footprint(
  { bench, procs }: Scenario,
  server: ServerProcess,
  key: string,
  prefix: string,
): Promise<Login[]> {
  const rssStart = server.rssKiB() / 1024;
  bench.figure(`${key}.ready.ms`, server.readyMs);
  bench.figure(`${key}.rss.start`, rssStart);
  const heap = bench.options.profileHeap;
  const heapDir = procs.heapDir(server.name);
  const heapStart = heap ? await heapPoint(server, heapDir, "at start") : undefined;
  const logins = await seedUsers(server, prefix, USERS);
  await assertProtected(server, logins[0]!.accessToken);
  const requests = bench.options.memoryRequests;
  const result = await runLoad({
    ...userMe(server, logins, bench.options.connections),
    amount: requests,
  });
  if (result.ok !== result.total)
    throw new Error(
      `${server.name}: ${result.total - result.ok} of ${result.total} user.me failed`,
    );
  const rssAfter = server.rssKiB() / 1024;
  bench.figure(`${key}.rss.after`, rssAfter);
  const count = requests.toLocaleString("en-US");
  bench.log(
    `    RSS of the process tree: ${fmt(rssStart)} MiB after start → ${fmt(rssAfter)} MiB after ${count} authenticated requests (${(rssAfter / rssStart).toFixed(2)}×)`,
  );
  if (heapStart) {
    const heapAfter = await heapPoint(server, heapDir, `after ${count} requests`);
    const comparison = compareHeap(heapStart, heapAfter);
    bench.heaps.set(key, comparison);
    const residue = (heapStart.mapAfterSnapshot?.total ?? NaN) - (heapStart.map?.total ?? NaN);
    bench.notes.push(
      `--profile-heap: ${server.name}'s RSS after ${count} requests includes ${fmt(residue / 1024)} MiB that writing the start snapshot left resident; judge RSS growth from a run without --profile-heap`,
    );
    bench.log(`\n${growersTable(comparison, count)}\n\n${residentTable(comparison)}\n`);
  }
  return logins;
}
