import { isIP } from "node:net";

import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";

import type { Database } from "@authkit/db";

import type { Clock } from "./clock";

/** One limit: at most `limit` hits per `windowSeconds` for each key. */
export interface RateLimitRule {
  /** Stable name, part of every stored key (e.g. `login:ip`). */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** When a refused caller may try again (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * Where attempts are counted. Implementations must be shared by every instance (Redis or the
 * database), atomic per call, and must throw when their store cannot answer: callers turn that
 * into 503 (fail closed), never into "allowed".
 */
export interface RateLimiter {
  readonly name: string;
  /** Counts one hit for `key` and says whether it is within the rule. A refused hit is not counted against later windows. */
  consume(rule: RateLimitRule, key: string): Promise<RateLimitDecision>;
  /** Gives back one allowed hit (a login that succeeded does not count as a failure). */
  refund(rule: RateLimitRule, key: string): Promise<void>;
  /** Deletes counters nobody can use any more (optional housekeeping). */
  prune?(): Promise<void>;
}

/** The limits AuthService enforces; `null` turns one off. */
export interface RateLimits {
  /** Login failures per account (normalized email, existing or not). */
  loginAccount: RateLimitRule | null;
  /** Login failures per client IP. */
  loginIp: RateLimitRule | null;
  /** Refresh attempts per client IP (tRPC refresh and the OAuth refresh_token grant). */
  refreshIp: RateLimitRule | null;
  /** Registrations per client IP. */
  registerIp: RateLimitRule | null;
}

type Setting = { limit: number; windowSeconds: number } | null;

/** Rules from `config.rateLimit` (the RATE_LIMIT_* variables). */
export function rateLimitsFromConfig(settings: {
  loginAccount: Setting;
  loginIp: Setting;
  refreshIp: Setting;
  registerIp: Setting;
}): RateLimits {
  const rule = (name: string, s: Setting): RateLimitRule | null => (s ? { name, ...s } : null);
  return {
    loginAccount: rule("login:account", settings.loginAccount),
    loginIp: rule("login:ip", settings.loginIp),
    refreshIp: rule("refresh:ip", settings.refreshIp),
    registerIp: rule("register:ip", settings.registerIp),
  };
}

/**
 * The key a client address is counted under, or null when there is none to count (an unknown
 * address is skipped rather than pooled: one shared bucket would let anyone lock everyone out).
 * IPv4-mapped IPv6 counts as IPv4; other IPv6 addresses count by their /64, the block one
 * subscriber usually gets, so walking through one's own /64 gains nothing.
 */
export function clientIpKey(ip: string | null | undefined): string | null {
  if (!ip) return null;
  let address = ip.trim();
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return null;
  return `${expandIpv6(address).slice(0, 4).join(":")}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = "", tail] = address.toLowerCase().split("::");
  const parse = (part: string) => (part ? part.split(":") : []);
  let left = parse(head);
  let right = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::1.2.3.4) is two groups.
  const toGroups = (groups: string[]) =>
    groups.flatMap((g) => {
      if (!g.includes(".")) return [g];
      const [a = 0, b = 0, c = 0, d = 0] = g.split(".").map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  left = toGroups(left);
  right = toGroups(right);
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill("0"), ...right].map((g) =>
    (parseInt(g, 16) || 0).toString(16),
  );
}

// ---- Upstash (Redis over REST): sliding window ------------------------------------------------

/**
 * `@upstash/ratelimit`'s sliding window, one instance per rule, shared by every process that
 * talks to the same Redis. Its fail-open timeout is disabled (`timeout: 0`): a Redis that does
 * not answer makes `consume` throw, and the caller answers 503. No ephemeral in-process cache,
 * so memory stays bounded under address-rotating floods and every instance sees one count.
 */
export class UpstashRateLimiter implements RateLimiter {
  readonly name = "upstash";
  private readonly limiters = new Map<string, Ratelimit>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = "auth:rl",
  ) {}

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

  async consume(rule: RateLimitRule, key: string): Promise<RateLimitDecision> {
    const { success, reset } = await this.limiter(rule).limit(key);
    return {
      allowed: success,
      retryAfterSeconds: success ? 0 : Math.max(1, Math.ceil((reset - Date.now()) / 1000)),
    };
  }

  async refund(rule: RateLimitRule, key: string): Promise<void> {
    // A negative rate is the library's refund: it skips the limit check and decrements.
    await this.limiter(rule).limit(key, { rate: -1 });
  }
}

// ---- Database: fixed window ---------------------------------------------------------------------

/**
 * Fixed-window counters in `rate_limit_buckets`, one atomic upsert per hit, for deployments
 * without Redis. Time comes from the injected clock so tests can move it.
 */
export class DatabaseRateLimiter implements RateLimiter {
  readonly name = "database";

  constructor(
    private readonly db: Pick<Database, "prisma">,
    private readonly clock: Clock,
  ) {}

  async consume(rule: RateLimitRule, key: string): Promise<RateLimitDecision> {
    const now = new Date(this.clock.now());
    const resetAt = new Date(now.getTime() + rule.windowSeconds * 1000);
    const id = `${rule.name}:${key}`;
    // The count stops one above the limit: a flood cannot overflow it, and "over" stays over.
    const [row] = await this.db.prisma.$queryRaw<{ count: number; reset_at: Date }[]>`
      INSERT INTO rate_limit_buckets (key, count, reset_at) VALUES (${id}, 1, ${resetAt})
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limit_buckets.reset_at <= ${now} THEN 1
                     ELSE LEAST(rate_limit_buckets.count + 1, ${rule.limit + 1}) END,
        reset_at = CASE WHEN rate_limit_buckets.reset_at <= ${now} THEN EXCLUDED.reset_at
                        ELSE rate_limit_buckets.reset_at END
      RETURNING count, reset_at`;
    if (!row) throw new Error("rate limit upsert returned no row");
    const allowed = Number(row.count) <= rule.limit;
    const retryAfterSeconds = allowed
      ? 0
      : Math.max(1, Math.ceil((new Date(row.reset_at).getTime() - now.getTime()) / 1000));
    return { allowed, retryAfterSeconds };
  }

  async refund(rule: RateLimitRule, key: string): Promise<void> {
    const now = new Date(this.clock.now());
    await this.db.prisma.$executeRaw`
      UPDATE rate_limit_buckets SET count = count - 1
      WHERE key = ${`${rule.name}:${key}`} AND count > 0 AND reset_at > ${now}`;
  }

  async prune(): Promise<void> {
    const now = new Date(this.clock.now());
    await this.db.prisma.$executeRaw`DELETE FROM rate_limit_buckets WHERE reset_at <= ${now}`;
  }
}
