/** The in-process micro-benchmark (src/micro.ts) in a child process of its own. */
import { runCommand } from "../proc";
import { BENCH } from "../processes";
import { fmt } from "../stats";

import type { Scenario } from "./context";

export interface MicroOutput {
  results: { name: string; ops: number; cpuMicrosPerOp: number; wallMicrosPerOp: number }[];
  argon2VerifiesPerSecond: number;
  notes: string[];
}

export async function micro({ bench, procs }: Scenario): Promise<MicroOutput> {
  bench.log("\n[micro] auth middleware CPU per request, in process");
  const url = await procs.ensurePostgres();
  const proxy = await procs.ensureUpstash();
  await bench.waitForQuiet("micro-benchmark");
  const out = await runCommand(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/micro.ts",
      "--database-url",
      url,
      "--upstash-url",
      proxy.url,
      "--upstash-token",
      procs.upstashToken,
    ],
    { cwd: BENCH, env: procs.inheritedEnv },
  );
  const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as MicroOutput;
  for (const r of result.results)
    bench.log(
      `    ${r.name}: ${fmt(r.cpuMicrosPerOp)} µs CPU/op (${fmt(r.wallMicrosPerOp)} µs wall)`,
    );
  bench.log(`    argon2id verify ceiling: ${fmt(result.argon2VerifiesPerSecond)}/s`);
  return result;
}
