import { Redis } from "@upstash/redis";

import type { Config } from "@authkit/config";
import type { Database } from "@authkit/db";

import { AccessTokens } from "./access-token";
import { systemClock, type Clock } from "./clock";
import { loadKeySet, type KeySet } from "./keys";
import { PasswordHasher } from "./password";
import { cryptoRandom, type Random } from "./random";
import {
  DatabaseRateLimiter,
  rateLimitsFromConfig,
  UpstashRateLimiter,
  type RateLimiter,
} from "./rate-limit";
import { DatabaseRevocationStore } from "./revocation/database";
import type { RevocationStore } from "./revocation/store";
import { UpstashRevocationStore } from "./revocation/upstash";
import { LiveSessions } from "./live";
import { LocalRevocationBus, PostgresRevocationBus, type RevocationBus } from "./revocation/bus";
import { AuthService } from "./service";

export interface CreateAuthOptions {
  config: Pick<Config, "auth" | "upstash" | "database" | "rateLimit">;
  db: Pick<Database, "prisma">;
  clock?: Clock;
  random?: Random;
  passwords?: PasswordHasher;
  /** Override the store chosen from config (tests). */
  store?: RevocationStore;
  /** Override the rate limiter chosen from config (tests). */
  rateLimiter?: RateLimiter;
}

export interface Auth {
  service: AuthService;
  /** Tickets and session watches for live subscriptions. */
  live: LiveSessions;
  /** Carries revocations to the live streams of every instance. */
  bus: RevocationBus;
  keys: KeySet;
  store: RevocationStore;
  /** Redis (sliding window) with Upstash, else the database (fixed window). */
  rateLimiter: RateLimiter;
  redis: Redis | undefined;
}

/** Wires the core from config: keys imported once, the store picked by `UPSTASH_REDIS_REST_URL`. */
export async function createAuth({
  config,
  db,
  clock = systemClock,
  random = cryptoRandom,
  passwords,
  store,
  rateLimiter,
}: CreateAuthOptions): Promise<Auth> {
  const keys = await loadKeySet(config.auth);
  const redis = config.upstash
    ? new Redis({
        url: config.upstash.url,
        token: config.upstash.token,
        enableTelemetry: false,
        retry: false,
      })
    : undefined;
  const revocation =
    store ??
    (redis
      ? new UpstashRevocationStore(redis, {
          accessTokenTtlSeconds: config.auth.accessTokenTtl,
          clockToleranceSeconds: config.auth.clockTolerance,
        })
      : new DatabaseRevocationStore(db));
  const tokens = new AccessTokens({
    keys,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtl,
    clockToleranceSeconds: config.auth.clockTolerance,
    clock,
  });
  // The dummy hash is made now, not on the first unknown-email login (which would then take
  // twice as long as a wrong password and tell that the email has no account).
  const hasher = passwords ?? new PasswordHasher();
  void hasher.warmUp().catch(() => undefined);
  const limiter =
    rateLimiter ?? (redis ? new UpstashRateLimiter(redis) : new DatabaseRateLimiter(db, clock));
  // Streams on other instances hear revocations through the database they already share.
  const bus: RevocationBus =
    "url" in config.database
      ? new PostgresRevocationBus(config.database.url)
      : new LocalRevocationBus();
  if (bus instanceof PostgresRevocationBus) await bus.start();
  const live = new LiveSessions({ db, bus, clock, random });
  const service = new AuthService({
    db,
    store: revocation,
    tokens,
    passwords: hasher,
    clock,
    random,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtl,
    rateLimiter: limiter,
    rateLimits: rateLimitsFromConfig(config.rateLimit),
    live,
  });
  service.onRevocation((event) => void bus.publish(event).catch(() => undefined));
  return { service, live, bus, keys, store: revocation, rateLimiter: limiter, redis };
}
