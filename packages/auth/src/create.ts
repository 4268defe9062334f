import { Redis } from "@upstash/redis";

import type { Config } from "@acme/config";
import type { Database } from "@acme/db";

import { AccessTokens } from "./access-token";
import { systemClock, type Clock } from "./clock";
import { loadKeySet, type KeySet } from "./keys";
import { PasswordHasher } from "./password";
import { cryptoRandom, type Random } from "./random";
import { DatabaseRevocationStore } from "./revocation/database";
import type { RevocationStore } from "./revocation/store";
import { UpstashRevocationStore } from "./revocation/upstash";
import { AuthService } from "./service";

export interface CreateAuthOptions {
  config: Pick<Config, "auth" | "upstash">;
  db: Pick<Database, "prisma">;
  clock?: Clock;
  random?: Random;
  passwords?: PasswordHasher;
  /** Override the store chosen from config (tests). */
  store?: RevocationStore;
}

export interface Auth {
  service: AuthService;
  keys: KeySet;
  store: RevocationStore;
  redis: Redis | undefined;
}

/** Wires the core from config: keys imported once, the store picked by `UPSTASH_REDIS_REST_URL`. */
export async function createAuth({ config, db, clock = systemClock, random = cryptoRandom, passwords, store }: CreateAuthOptions): Promise<Auth> {
  const keys = await loadKeySet(config.auth);
  const redis = config.upstash
    ? new Redis({ url: config.upstash.url, token: config.upstash.token, enableTelemetry: false, retry: false })
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
  const service = new AuthService({
    db,
    store: revocation,
    tokens,
    passwords: passwords ?? new PasswordHasher(),
    clock,
    random,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtl,
  });
  return { service, keys, store: revocation, redis };
}
