/** autocannon, driven programmatically, with latencies kept at microsecond resolution. */
import autocannon from "autocannon";

import { percentiles } from "./stats";

export type Request = autocannon.Request;

export interface LoadOptions {
  url: string;
  /** Defaults to 64, the figure FACTS.md uses. */
  connections?: number;
  /** Seconds. */
  duration?: number;
  /** Stop after this many responses instead (overrides duration). */
  amount?: number;
  method?: "GET" | "POST";
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: Request[];
  /** Requests per second across all connections (a fixed-rate probe); unset = closed loop. */
  overallRate?: number;
  /** Called once the run has started (e.g. to snapshot server CPU). */
  onStart?: () => void;
}

export interface LoadResult {
  /** Completed 2xx responses per second over the run. */
  rps: number;
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
  /** Milliseconds, from every 2xx response's own timing (not autocannon's 1 ms-wide buckets). */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statusCodes: Record<string, number>;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const instance = autocannon(
    {
      url: options.url + (options.path ?? ""),
      connections: options.connections ?? 64,
      pipelining: 1,
      ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 6 }),
      method: options.method ?? "GET",
      headers: options.headers ?? {},
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.requests ? { requests: options.requests } : {}),
      ...(options.overallRate ? { overallRate: options.overallRate } : {}),
      timeout: 30,
    },
    () => undefined,
  );
  // The tracker emits (client, status, bytes, ms); the published types omit the client.
  (instance as unknown as NodeJS.EventEmitter).on(
    "response",
    (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    },
  );
  options.onStart?.();
  const result = await new Promise<autocannon.Result>((resolve) => instance.once("done", resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [p50, p90, p99, max] = percentiles(latencies, [50, 90, 99, 100]) as [
    number,
    number,
    number,
    number,
  ];
  const statusCodes: Record<string, number> = {};
  for (const [code, { count = 0 } = {}] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = count;
  return {
    rps: latencies.length / seconds,
    total: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    durationSeconds: seconds,
    p50,
    p90,
    p99,
    max,
    statusCodes,
  };
}

/** A short unmeasured run first (JIT, caches, connection pools), then the measured one. */
export async function warmAndRun(options: LoadOptions, warmupSeconds = 2): Promise<LoadResult> {
  await runLoad({ ...options, duration: warmupSeconds, amount: undefined, onStart: undefined });
  return runLoad(options);
}
