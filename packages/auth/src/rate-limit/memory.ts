import type { Database } from "@authkit/db";

import type { Clock } from "../clock";
import { createBatcher } from "../batch";
import type { RateLimitDecision, RateLimiter, RateLimitHit } from "./types";

/** Counts stop here, as in the database limiter. */
const COUNT_CEILING = 1_000_000_000;

/** How often windows that have ended are dropped from memory. */
const SWEEP_MS = 60_000;

interface Bucket {
  count: number;
  resetAt: number;
}

/**
 * The embedded default's limiter: the database limiter's fixed windows (./database), decided in
 * this process's memory and written through to `rate_limit_buckets` before the answer. Only this
 * process can write the embedded database (its data directory is locked to one process), so the
 * counters in memory are the counters; the database copy is what a restart reloads (`load`), so
 * restarting the server does not reset an attacker's count. The writes of concurrent calls share
 * one statement; a failed write fails the call closed, like the database limiter.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly name = "memory";
  private readonly buckets = new Map<string, Bucket>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    private readonly db: Pick<Database, "prisma">,
    private readonly clock: Clock,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref?.();
  }

  /** Reads the windows still open from the database; the limiter answers only after this. */
  async load(): Promise<void> {
    const now = new Date(this.clock.now());
    const rows = await this.db.prisma.$queryRaw<{ key: string; count: number; reset_at: Date }[]>`
      SELECT key, count, reset_at FROM rate_limit_buckets WHERE reset_at > ${now}`;
    for (const row of rows)
      this.buckets.set(row.key, {
        count: Number(row.count),
        resetAt: new Date(row.reset_at).getTime(),
      });
  }

  async consume(hits: readonly RateLimitHit[]): Promise<RateLimitDecision[]> {
    const now = this.clock.now();
    const decisions = hits.map((hit): RateLimitDecision => {
      const key = bucketKey(hit);
      let bucket = this.buckets.get(key);
      if (!bucket || bucket.resetAt <= now) {
        bucket = { count: 0, resetAt: now + hit.rule.windowSeconds * 1000 };
        this.buckets.set(key, bucket);
      }
      bucket.count = Math.min(bucket.count + 1, COUNT_CEILING);
      const allowed = bucket.count <= hit.rule.limit;
      const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil((bucket.resetAt - now) / 1000));
      return { allowed, retryAfterSeconds };
    });
    await this.writeThrough(hits);
    return decisions;
  }

  async refund(hits: readonly RateLimitHit[]): Promise<void> {
    const now = this.clock.now();
    for (const hit of hits) {
      const bucket = this.buckets.get(bucketKey(hit));
      if (bucket && bucket.count > 0 && bucket.resetAt > now) bucket.count--;
    }
    await this.writeThrough(hits);
  }

  private async writeThrough(hits: readonly RateLimitHit[]): Promise<void> {
    await Promise.all([...new Set(hits.map(bucketKey))].map((key) => this.write(key)));
  }

  /** Concurrent writes share one upsert of each key's state at the time it runs. */
  private readonly write = createBatcher<string, void>(async (keys) => {
    const unique = [...new Set(keys)].filter((key) => this.buckets.has(key));
    if (unique.length > 0) {
      const counts = unique.map((key) => this.buckets.get(key)!.count);
      const resets = unique.map((key) => new Date(this.buckets.get(key)!.resetAt));
      await this.db.prisma.$executeRaw`
        INSERT INTO rate_limit_buckets (key, count, reset_at)
        SELECT * FROM unnest(${unique}::text[], ${counts}::int[], ${resets}::timestamptz[])
        ON CONFLICT (key) DO UPDATE SET count = EXCLUDED.count, reset_at = EXCLUDED.reset_at`;
    }
    return keys.map(() => undefined);
  });

  /** Readiness: the database the counters are written to answers. */
  async ping(): Promise<void> {
    await this.db.prisma.$queryRaw`SELECT 1`;
  }

  async prune(): Promise<void> {
    this.sweep();
    const now = new Date(this.clock.now());
    await this.db.prisma.$executeRaw`DELETE FROM rate_limit_buckets WHERE reset_at <= ${now}`;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, bucket] of this.buckets) if (bucket.resetAt <= now) this.buckets.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

const bucketKey = (hit: RateLimitHit) => `${hit.rule.name}:${hit.key}`;
