import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";

import type { RateLimitDecision, RateLimiter, RateLimitHit, RateLimitRule } from "./types";

/**
 * `@upstash/ratelimit`'s sliding window, one instance per rule, shared by every process that
 * talks to the same Redis. Its fail-open timeout is disabled (`timeout: 0`): a Redis that does
 * not answer makes `consume` throw, and the caller answers 503. No ephemeral in-process cache,
 * so memory stays bounded under address-rotating floods and every instance sees one count.
 * The hits of one call are sent together: the client pipelines concurrent commands into one
 * HTTP request.
 */
export class UpstashRateLimiter implements RateLimiter {
  readonly name = "upstash";
  private readonly limiters = new Map<string, Ratelimit>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = "auth:rl",
  ) {}

  consume(hits: readonly RateLimitHit[]): Promise<RateLimitDecision[]> {
    return Promise.all(
      hits.map(async ({ rule, key }) => {
        const { success, reset } = await this.limiter(rule).limit(key);
        return {
          allowed: success,
          retryAfterSeconds: success ? 0 : Math.max(1, Math.ceil((reset - Date.now()) / 1000)),
        };
      }),
    );
  }

  async refund(hits: readonly RateLimitHit[]): Promise<void> {
    // A negative rate is the library's refund: it skips the limit check and decrements.
    await Promise.all(hits.map(({ rule, key }) => this.limiter(rule).limit(key, { rate: -1 })));
  }

  private limiter(rule: RateLimitRule): Ratelimit {
    const id = `${rule.name}|${rule.limit}|${rule.windowSeconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: this.redis,
        limiter: Ratelimit.slidingWindow(rule.limit, `${rule.windowSeconds} s`),
        prefix: `${this.prefix}:${rule.name}`,
        ephemeralCache: false,
        timeout: 0,
        analytics: false,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}
