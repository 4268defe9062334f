import type { Clock } from "../clock";
import { redisScript, type RedisCommands } from "../redis/commands";
import type { RateLimitDecision, RateLimiter, RateLimitHit } from "./types";

/**
 * One hit of a sliding window, as `@upstash/ratelimit`'s `slidingWindow` counts it: the hits of
 * this fixed window plus the previous window's, weighted by how much of it the sliding window
 * still covers (rounded down). A refused hit is not counted.
 * KEYS: this window's counter, the previous window's. ARGV: limit, ms into this window, window ms.
 */
const CONSUME = redisScript(`local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if math.floor((1 - tonumber(ARGV[2]) / window) * previous) + current >= limit then return 0 end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], window * 2 + 1000) end
return 1`);

/**
 * Gives one hit back: from this window, or from the previous one when the hit was counted
 * there (the window turned in between). Never below zero, so a refund cannot mint a free hit.
 */
const REFUND = redisScript(`for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key); return 1 end
end
return 0`);

/**
 * A sliding window in Redis (Upstash's REST protocol or a plain Redis), shared by every
 * instance. Time comes from the injected clock; Redis expires the counters itself. A Redis that
 * does not answer makes `consume` throw, and the caller answers 503 (never "allowed"). The hits
 * of one call are issued together, so both clients send them in one round trip.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly name: string;

  constructor(
    private readonly redis: RedisCommands,
    private readonly clock: Clock,
    private readonly prefix = "auth:rl",
  ) {
    this.name = redis.name;
  }

  consume(hits: readonly RateLimitHit[]): Promise<RateLimitDecision[]> {
    const now = this.clock.now();
    return Promise.all(
      hits.map(async (hit) => {
        const windowMs = hit.rule.windowSeconds * 1000;
        const allowed =
          Number(
            await this.redis.run(CONSUME, this.keys(hit, now), [
              String(hit.rule.limit),
              String(now % windowMs),
              String(windowMs),
            ]),
          ) === 1;
        // The window refills at its end (as @upstash/ratelimit's `reset` says).
        const reset = (Math.floor(now / windowMs) + 1) * windowMs;
        return {
          allowed,
          retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((reset - now) / 1000)),
        };
      }),
    );
  }

  async refund(hits: readonly RateLimitHit[]): Promise<void> {
    const now = this.clock.now();
    await Promise.all(hits.map((hit) => this.redis.run(REFUND, this.keys(hit, now), [])));
  }

  ping(): Promise<void> {
    return this.redis.ping();
  }

  /** This window's counter and the previous one's. */
  private keys({ rule, key }: RateLimitHit, now: number): [string, string] {
    const window = Math.floor(now / (rule.windowSeconds * 1000));
    const base = `${this.prefix}:${rule.name}:${key}`;
    return [`${base}:${window}`, `${base}:${window - 1}`];
  }
}
