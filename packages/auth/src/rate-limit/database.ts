import type { Database } from "@authkit/db";

import type { Clock } from "../clock";
import type { RateLimitDecision, RateLimiter, RateLimitHit } from "./types";

/** Counts stop here: a flood can neither overflow the column nor make "over" wrap to "under". */
const COUNT_CEILING = 1_000_000_000;

/**
 * Fixed-window counters in `rate_limit_buckets` for deployments without Redis: every hit of a
 * call is one row of a single upsert, so a login's four or five limits cost one round trip.
 * Time comes from the injected clock so tests can move it.
 */
export class DatabaseRateLimiter implements RateLimiter {
  readonly name = "database";

  constructor(
    private readonly db: Pick<Database, "prisma">,
    private readonly clock: Clock,
  ) {}

  async consume(hits: readonly RateLimitHit[]): Promise<RateLimitDecision[]> {
    if (hits.length === 0) return [];
    const now = new Date(this.clock.now());
    const keys = hits.map(bucketKey);
    const resets = hits.map((hit) => new Date(now.getTime() + hit.rule.windowSeconds * 1000));
    const rows = await this.db.prisma.$queryRaw<{ key: string; count: number; reset_at: Date }[]>`
      INSERT INTO rate_limit_buckets (key, count, reset_at)
      SELECT key, 1, reset_at FROM unnest(${keys}::text[], ${resets}::timestamptz[]) AS h(key, reset_at)
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limit_buckets.reset_at <= ${now} THEN 1
                     ELSE LEAST(rate_limit_buckets.count + 1, ${COUNT_CEILING}) END,
        reset_at = CASE WHEN rate_limit_buckets.reset_at <= ${now} THEN EXCLUDED.reset_at
                        ELSE rate_limit_buckets.reset_at END
      RETURNING key, count, reset_at`;
    const byKey = new Map(rows.map((row) => [row.key, row]));
    return hits.map((hit, i) => {
      const row = byKey.get(keys[i]!);
      if (!row) throw new Error("rate limit upsert returned no row");
      const allowed = Number(row.count) <= hit.rule.limit;
      const retryAfterSeconds = allowed
        ? 0
        : Math.max(1, Math.ceil((new Date(row.reset_at).getTime() - now.getTime()) / 1000));
      return { allowed, retryAfterSeconds };
    });
  }

  async refund(hits: readonly RateLimitHit[]): Promise<void> {
    if (hits.length === 0) return;
    const now = new Date(this.clock.now());
    await this.db.prisma.$executeRaw`
      UPDATE rate_limit_buckets SET count = count - 1
      WHERE key = ANY(${hits.map(bucketKey)}::text[]) AND count > 0 AND reset_at > ${now}`;
  }

  async ping(): Promise<void> {
    await this.db.prisma.$queryRaw`SELECT 1`;
  }

  async prune(): Promise<void> {
    const now = new Date(this.clock.now());
    await this.db.prisma.$executeRaw`DELETE FROM rate_limit_buckets WHERE reset_at <= ${now}`;
  }
}

const bucketKey = (hit: RateLimitHit) => `${hit.rule.name}:${hit.key}`;
