/**
 * The measurement harness: warm-up and measured runs with the server's CPU, waiting for a quiet
 * machine and re-running disturbed runs, and the results every scenario adds to.
 */
import type { HeapComparison } from "./heap-profile";
import { runLoad, type LoadOptions, type LoadResult } from "./load";
import { cpuOfCommands, machineBusyMicros, machineIdle, type ServerProcess } from "./proc";
import { fmt } from "./stats";

export interface BenchOptions {
  /** Seconds per measured run, and of the warm-up before it. */
  duration: number;
  warmup: number;
  connections: number;
  profile: boolean;
  /** --profile-heap: heap snapshots of our servers around the memoryRequests (./heap-profile). */
  profileHeap: boolean;
  /** Authenticated requests before the "after N requests" RSS reading. */
  memoryRequests: number;
}

export interface Row {
  key: string;
  label: string;
  result: LoadResult;
  /** Server-side CPU (process tree) per completed request, µs; NaN when not measured. */
  cpuPerRequest: number;
  /** Key of the row this one is compared with. */
  baseline?: string;
}

/** A measured run's position in the server's profile (monotonic µs), for --profile. */
export interface Window {
  key: string;
  label: string;
  /** Requests answered with 2xx in the window (for CPU per request by layer). */
  requests: number;
  from: number;
  to: number;
}

/**
 * This machine is shared: before a measurement, wait (bounded) until other processes leave at
 * least QUIET_IDLE of the CPU idle; a run during which they used more than MAX_OTHER_CORES is
 * measured again, and the least disturbed of MAX_ATTEMPTS is kept (and noted when still noisy).
 */
const QUIET_IDLE = 0.8;
const QUIET_MAX_WAIT_MS = 15_000;
export const MAX_OTHER_CORES = 0.25;
export const MAX_ATTEMPTS = 3;

export const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

export class Bench {
  readonly rows = new Map<string, Row>();
  /** Single figures (MiB, ms, per second) by name, for the report and the goals. */
  readonly figures = new Map<string, number>();
  readonly notes: string[] = [];
  readonly windows = new Map<string, Window[]>();
  /** --profile: CPU µs per request by layer of the serving path, by row key (./layers). */
  readonly layers = new Map<string, Map<string, number>>();
  /** --profile-heap: the heap at start and after memoryRequests, by figure key ("emb", "pg"). */
  readonly heaps = new Map<string, HeapComparison>();
  /** Processes whose CPU is part of the experiment (servers, proxies), not "other". */
  readonly children: ServerProcess[] = [];

  constructor(readonly options: BenchOptions) {}

  log(line: string): void {
    console.log(line);
  }

  figure(name: string, value: number): void {
    this.figures.set(name, value);
  }

  async waitForQuiet(label: string): Promise<void> {
    const t0 = Date.now();
    let idle = await machineIdle(700);
    while (idle < QUIET_IDLE && Date.now() - t0 < QUIET_MAX_WAIT_MS) idle = await machineIdle(700);
    const waited = Date.now() - t0;
    if (waited > 2000)
      this.log(
        `    (${label}: waited ${(waited / 1000).toFixed(0)} s for other processes to quiet down${idle < QUIET_IDLE ? ", in vain" : ""})`,
      );
  }

  /**
   * CPU used by processes outside the experiment (not this bench, not the servers it started,
   * not PostgreSQL or Redis), in cores, between this call and the call of what it returns.
   */
  contention(): () => number {
    const ours = () =>
      this.children.reduce((sum, child) => sum + child.cpuMicros(), 0) +
      cpuOfCommands(["postgres", "redis-server"]) +
      (process.cpuUsage().user + process.cpuUsage().system);
    const busy0 = machineBusyMicros();
    const ours0 = ours();
    const t0 = performance.now();
    return () => {
      const elapsedMicros = (performance.now() - t0) * 1000;
      return Math.max(0, machineBusyMicros() - busy0 - (ours() - ours0)) / elapsedMicros;
    };
  }

  /** Notes a run that stayed disturbed after every attempt. */
  noteContention(label: string, others: number): void {
    if (others > MAX_OTHER_CORES)
      this.notes.push(
        `${label}: other processes used ${others.toFixed(2)} of the 2 cores during the best of ${MAX_ATTEMPTS} runs`,
      );
  }

  /**
   * A fresh server is still tiering up its JIT and collecting start-up garbage: whichever
   * scenario ran first would pay for it. Every path measured on a server is exercised first.
   */
  async prewarm(...loads: LoadOptions[]): Promise<void> {
    for (const load of loads) await runLoad({ ...load, duration: 3 });
  }

  /**
   * Warm-up, then a measured run, with the server's CPU over the measured run. A load that
   * cannot be replayed (refresh chains are spent by a run) is given as a function returning a
   * fresh one for each attempt.
   */
  async measure(
    key: string,
    label: string,
    server: ServerProcess,
    load: LoadOptions | (() => Promise<LoadOptions>),
    {
      baseline,
      warmup: warmupLoad = load,
    }: { baseline?: string; warmup?: LoadOptions | (() => Promise<LoadOptions>) } = {},
  ): Promise<Row> {
    type Attempt = { result: LoadResult; cpuPerRequest: number; others: number; window: Window };
    const fresh = (l: LoadOptions | (() => Promise<LoadOptions>)) =>
      typeof l === "function" ? l() : Promise.resolve(l);
    let best: Attempt | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const [warmup, options] = [await fresh(warmupLoad), await fresh(load)];
      await this.waitForQuiet(label);
      await runLoad({ ...warmup, duration: this.options.warmup });
      let cpu0 = 0;
      const mark = this.contention();
      const from = monotonicMicros();
      const result = await runLoad({
        ...options,
        duration: this.options.duration,
        onStart: () => (cpu0 = server.cpuMicros()),
      });
      const cpuPerRequest = (server.cpuMicros() - cpu0) / Math.max(1, result.ok);
      const others = mark();
      if (!best || others < best.others)
        best = {
          result,
          cpuPerRequest,
          others,
          window: { key, label, requests: result.ok, from, to: monotonicMicros() },
        };
      if (others <= MAX_OTHER_CORES) break;
      this.log(
        `    (${label}: other processes used ${others.toFixed(2)} cores during the run${attempt < MAX_ATTEMPTS ? "; measuring again" : ""})`,
      );
    }
    const { result, cpuPerRequest, others, window } = best as Attempt;
    this.noteContention(label, others);
    this.windows.set(server.name, [...(this.windows.get(server.name) ?? []), window]);
    const row: Row = { key, label, result, cpuPerRequest, ...(baseline ? { baseline } : {}) };
    this.rows.set(key, row);
    const bad = result.non2xx + result.errors;
    this.log(
      `    ${label}: ${fmt(result.rps)} req/s, p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms, ${fmt(cpuPerRequest)} µs CPU/req` +
        (bad
          ? `  [${result.non2xx} non-2xx ${JSON.stringify(result.statusCodes)}, ${result.errors} errors]`
          : ""),
    );
    return row;
  }

  /** A row measured some other way (latency probes): no server CPU. */
  addRow(key: string, label: string, result: LoadResult, baseline?: string): void {
    this.rows.set(key, {
      key,
      label,
      result,
      cpuPerRequest: Number.NaN,
      ...(baseline ? { baseline } : {}),
    });
  }
}
