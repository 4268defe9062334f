/**
 * The goals, as data: what each is, where it was set, the figure before this round of work, and
 * how to read this run's figure from the results. report.ts prints them met or not met.
 */
import type { Bench } from "./harness";
import type { MicroOutput } from "./scenarios/micro";
import { fmt, ratio } from "./stats";

interface Measured {
  value: number;
  detail: string;
}

export interface GoalSpec {
  name: string;
  /** Where the goal was set. */
  source: string;
  /** The figure before this round of work, as the source recorded it. */
  before: string;
  target: number;
  unit: "×" | "MiB" | "µs";
  lowerIsBetter?: boolean;
  measure(bench: Bench, micro: MicroOutput | undefined): Measured | undefined;
}

const rps = (bench: Bench, key: string) => bench.rows.get(key)?.result.rps;
const p99 = (bench: Bench, key: string) => bench.rows.get(key)?.result.p99;

/** a/b as a goal figure, with both operands in the detail. */
function relative(
  a: number | undefined,
  b: number | undefined,
  unit: string,
  digits?: number,
): Measured | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return;
  const opts = digits === undefined ? undefined : { digits };
  return { value: ratio(a, b), detail: `${fmt(a, opts)} vs ${fmt(b, opts)} ${unit}` };
}

function figure(bench: Bench, name: string, unit: string): Measured | undefined {
  const value = bench.figures.get(name);
  return value === undefined ? undefined : { value, detail: `${fmt(value)} ${unit}` };
}

export const GOALS: GoalSpec[] = [
  {
    name: "RSS of the server's process tree after 20,000 authenticated requests, embedded",
    source: "issue 18",
    before: "848 MiB",
    target: 400,
    unit: "MiB",
    lowerIsBetter: true,
    measure: (b) => figure(b, "emb.rss.after", "MiB"),
  },
  {
    name: "RSS growth, 20,000 authenticated requests vs start, embedded",
    source: "issue 18",
    before: "1.46×",
    target: 1.2,
    unit: "×",
    lowerIsBetter: true,
    measure: (b) => relative(b.figures.get("emb.rss.after"), b.figures.get("emb.rss.start"), "MiB"),
  },
  {
    name: "user.me p99 while 20 logins are in flight vs idle (200 req/s probe), embedded",
    source: "issue 18",
    before: "2.48×",
    target: 1.5,
    unit: "×",
    lowerIsBetter: true,
    measure: (b) => relative(p99(b, "emb.storm.me"), p99(b, "emb.idle.me"), "ms p99", 2),
  },
  {
    name: "public health through our server vs stock tRPC createHTTPServer",
    source: "issue 18",
    before: "0.75×",
    target: 0.9,
    unit: "×",
    measure: (b) => relative(rps(b, "emb.health"), rps(b, "stock"), "req/s"),
  },
  {
    name: "protected user.me vs better-auth getSession, database sessions",
    source: "issue 18",
    before: "2.67×",
    target: 3,
    unit: "×",
    measure: (b) => relative(rps(b, "pg.me"), rps(b, "ba.pg"), "req/s"),
  },
  {
    name: "protected user.me vs better-auth getSession, cookie cache",
    source: "issue 18",
    before: "1.64×",
    target: 1.5,
    unit: "×",
    measure: (b) => relative(rps(b, "pg.me"), rps(b, "ba.cache"), "req/s"),
  },
  {
    name: "rotations/s with 64 concurrent refresh chains vs health req/s, embedded",
    source: "issue 14",
    before: "0.07×",
    target: 0.25,
    unit: "×",
    measure: (b) => relative(rps(b, "emb.refresh"), rps(b, "emb.health"), "per s"),
  },
  {
    name: "rotations/s with 64 concurrent refresh chains vs health req/s, PostgreSQL",
    source: "issue 14",
    before: "0.08×",
    target: 0.25,
    unit: "×",
    measure: (b) => relative(rps(b, "pg.refresh"), rps(b, "pg.health"), "per s"),
  },
  {
    name: "protected user.me vs public health, embedded",
    source: "earlier goal",
    before: "0.96×",
    target: 0.9,
    unit: "×",
    measure: (b) => relative(rps(b, "emb.me"), rps(b, "emb.health"), "req/s"),
  },
  {
    name: "protected user.me vs public health, Redis revocation store",
    source: "earlier goal",
    before: "1.14×",
    target: 0.8,
    unit: "×",
    measure: (b) => relative(rps(b, "redis.me"), rps(b, "redis.health"), "req/s"),
  },
  {
    name: "health p99 while 20 logins are in flight vs idle, embedded",
    source: "earlier goal",
    before: "1.68× (PostgreSQL)",
    target: 2,
    unit: "×",
    lowerIsBetter: true,
    measure: (b) => relative(p99(b, "emb.storm.health"), p99(b, "emb.idle.health"), "ms p99", 2),
  },
  {
    name: "auth middleware CPU per request (warm cache, in-memory store)",
    source: "earlier goal",
    before: "2.03 µs",
    target: 50,
    unit: "µs",
    lowerIsBetter: true,
    measure: (_b, micro) => {
      const value = micro?.results.find((r) => r.name.includes("in-memory"))?.cpuMicrosPerOp;
      return value === undefined ? undefined : { value, detail: `${fmt(value)} µs` };
    },
  },
];
