/** Ceilings: a bare node:http handler (physical) and stock tRPC createHTTPServer (adapter). */
import { health } from "../workload";

import type { Scenario } from "./context";

export async function ceilings({ bench, procs }: Scenario): Promise<void> {
  bench.log("\n[ceil] physical and adapter ceilings");
  const connections = bench.options.connections;
  const hello = await procs.startBenchServer("hello node:http", "src/servers/hello.ts", [], {
    readyPath: "/",
  });
  await bench.measure("hello", "bare node:http hello", hello, health(hello, connections));
  await procs.stop(hello);

  const stock = await procs.startBenchServer(
    "stock tRPC createHTTPServer",
    "src/servers/trpc-stock.ts",
    [],
    { readyPath: "/api/trpc/health" },
  );
  await bench.prewarm(health(stock, connections));
  await bench.measure(
    "stock",
    "stock tRPC createHTTPServer, health",
    stock,
    health(stock, connections),
    {
      baseline: "hello",
    },
  );
  await procs.stop(stock);
}
