import { retryOnWriteConflict, type Database } from "@authkit/db";

import { createBatcher } from "../batch";
import type { Clock } from "../clock";
import type { RateLimitDecision, RateLimiter, RateLimitHit } from "./types";

/** Counts stop here: a flood can neither overflow the column nor make "over" wrap to "under". */
const COUNT_CEILING = 1_000_000_000;

/**
 * Fixed-window counters in `rate_limit_buckets` for deployments without Redis: the hits of every
 * call in one event-loop turn are one upsert, so a login's four or five limits, and the refresh
 * limits of sixty-four concurrent rotations, cost one round trip.
 * Time comes from the injected clock so tests can move it.
 */
export class DatabaseRateLimiter implements RateLimiter {
  readonly name = "database";

  constructor(
    private readonly db: Pick<Database, "prisma">,
    private readonly clock: Clock,
  ) {}

  async consume(hits: readonly RateLimitHit[]): Promise<RateLimitDecision[]> {
    return Promise.all(hits.map((hit) => this.count(hit)));
  }

  /**
   * The hits of every call in one event-loop turn, one upsert: each key's count rises by its
   * number of hits, and the row lock makes the values between the old and new count this batch's
   * own, so the k-th hit of a key is decided on exactly the count it would have had alone.
   */
  private readonly count = createBatcher<RateLimitHit, RateLimitDecision>(async (hits) => {
    const now = new Date(this.clock.now());
    const shares = sharesByKey(hits, now);
    // One order for every batch's row locks, so concurrent upserts rarely deadlock; when they do,
    // the aborted one changed nothing and goes again.
    const keys = [...shares.keys()].sort();
    const occurrences = keys.map((key) => shares.get(key)!.hits);
    const resets = keys.map((key) => shares.get(key)!.resetAt);
    const rows = await retryOnWriteConflict(
      () => this.db.prisma.$queryRaw<{ key: string; count: number; reset_at: Date }[]>`
      INSERT INTO rate_limit_buckets (key, count, reset_at)
      SELECT * FROM unnest(${keys}::text[], ${occurrences}::int[], ${resets}::timestamptz[])
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limit_buckets.reset_at <= ${now} THEN EXCLUDED.count
                     ELSE LEAST(rate_limit_buckets.count + EXCLUDED.count, ${COUNT_CEILING}) END,
        reset_at = CASE WHEN rate_limit_buckets.reset_at <= ${now} THEN EXCLUDED.reset_at
                        ELSE rate_limit_buckets.reset_at END
      RETURNING key, count, reset_at`,
    );
    return decide(hits, shares, rows, now);
  });

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

/** Each key's number of hits in the batch, and the end of the window a new bucket opens. */
function sharesByKey(
  hits: readonly RateLimitHit[],
  now: Date,
): Map<string, { hits: number; resetAt: Date }> {
  const shares = new Map<string, { hits: number; resetAt: Date }>();
  for (const hit of hits) {
    const share = shares.get(bucketKey(hit));
    if (share) share.hits++;
    else
      shares.set(bucketKey(hit), {
        hits: 1,
        resetAt: new Date(now.getTime() + hit.rule.windowSeconds * 1000),
      });
  }
  return shares;
}

/** Each hit's decision, on the count it took within its key's share of the batch. */
function decide(
  hits: readonly RateLimitHit[],
  shares: ReadonlyMap<string, { hits: number }>,
  rows: readonly { key: string; count: number; reset_at: Date }[],
  now: Date,
): RateLimitDecision[] {
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const taken = new Map<string, number>();
  return hits.map((hit) => {
    const key = bucketKey(hit);
    const row = byKey.get(key);
    if (!row) throw new Error("rate limit upsert returned no row");
    const before = taken.get(key) ?? 0;
    taken.set(key, before + 1);
    const count = Number(row.count) - shares.get(key)!.hits + 1 + before;
    const allowed = count <= hit.rule.limit;
    const retryAfterSeconds = allowed
      ? 0
      : Math.max(1, Math.ceil((new Date(row.reset_at).getTime() - now.getTime()) / 1000));
    return { allowed, retryAfterSeconds };
  });
}
