import type { Config } from "@authkit/config";
import type { Database } from "@authkit/db";

import type { Clock } from "./clock";
import type { SecurityEventSink } from "./events";
import { DatabaseRateLimiter } from "./rate-limit/database";
import { MemoryRateLimiter } from "./rate-limit/memory";
import { RedisRateLimiter } from "./rate-limit/redis";
import type { RateLimiter } from "./rate-limit/types";
import type { RedisCommands } from "./redis/commands";
import { connectRedis, ioredisCommands } from "./redis/ioredis";
import { upstashCommands } from "./redis/upstash";
import { LocalRevocationBus, PostgresRevocationBus, type RevocationBus } from "./revocation/bus";
import { DatabaseRevocationStore } from "./revocation/database";
import { MemoryRevocationStore } from "./revocation/memory";
import { RedisRevocationStore } from "./revocation/redis";
import { RedisRevocationBus } from "./revocation/redis-bus";
import type { Revocations, RevocationStore } from "./revocation/store";

/** Where revocations are checked and carried, and where attempts are counted. */
export interface Backends {
  /** Redis (Upstash REST or `REDIS_URL`) when configured, else the database. */
  store: RevocationStore;
  /** The database's own answer: the truth behind a Redis store. */
  authority: RevocationStore;
  /** A sliding window in Redis when configured, else a fixed window in the database. */
  limiter: RateLimiter;
  /** Carries revocations to the live streams of every instance. */
  bus: RevocationBus;
  /** Only this process writes the database (`BackendDeps.ownsDatabase`, no Redis). */
  ownsDatabase: boolean;
  /** Ends the bus, the store's timers and the Redis connection. */
  close(): Promise<void>;
}

export interface BackendDeps {
  db: Pick<Database, "prisma">;
  clock: Clock;
  events: SecurityEventSink;
  /** Every revocation the database holds whose tokens may still be live (a Redis rebuild). */
  loadRevocations(): Promise<Revocations>;
  /**
   * This process alone can write the database (the embedded data directory, locked to it):
   * revocations and rate-limit counters are then served from memory, written through to the
   * database and reloaded from it on start (./revocation/memory, ./rate-limit/memory).
   */
  ownsDatabase?: boolean;
}

/**
 * Picks the backends from config. `REDIS_URL` and `UPSTASH_REDIS_REST_*` exclude each other
 * (config refuses both), so there is at most one Redis, and the store and the limiter share it.
 */
export async function createBackends(
  deps: BackendDeps,
  config: Pick<Config, "auth" | "upstash" | "redis" | "database">,
): Promise<Backends> {
  const client = config.redis ? await connectRedis(config.redis.url) : undefined;
  const redis = client
    ? ioredisCommands(client)
    : config.upstash && upstashCommands(config.upstash);
  try {
    const authority = new DatabaseRevocationStore(deps.db);
    const owned = !redis && deps.ownsDatabase === true;
    const store: RevocationStore = redis
      ? redisStore(deps, config, redis, authority)
      : owned
        ? await memoryStore(deps, config)
        : authority;
    const limiter = redis
      ? new RedisRateLimiter(redis, deps.clock)
      : owned
        ? await memoryLimiter(deps)
        : new DatabaseRateLimiter(deps.db, deps.clock);
    const bus = await createBus(config.database, client);
    return {
      store,
      authority,
      limiter,
      bus,
      ownsDatabase: owned,
      close: async () => {
        await bus.close();
        await store.close?.();
        if (limiter instanceof MemoryRateLimiter) limiter.close();
        await redis?.close();
      },
    };
  } catch (error) {
    await redis?.close();
    throw error;
  }
}

/** Loaded before the first check: a restart serves every revocation the database holds. */
async function memoryStore(
  deps: BackendDeps,
  config: Pick<Config, "auth">,
): Promise<MemoryRevocationStore> {
  const store = new MemoryRevocationStore({
    clock: deps.clock,
    accessTokenTtlSeconds: config.auth.accessTokenTtl,
    clockToleranceSeconds: config.auth.clockTolerance,
    loadRevocations: () => deps.loadRevocations(),
  });
  try {
    await store.load();
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function memoryLimiter(deps: BackendDeps): Promise<MemoryRateLimiter> {
  const limiter = new MemoryRateLimiter(deps.db, deps.clock);
  try {
    await limiter.load();
    return limiter;
  } catch (error) {
    limiter.close();
    throw error;
  }
}

function redisStore(
  deps: BackendDeps,
  config: Pick<Config, "auth">,
  redis: RedisCommands,
  authority: RevocationStore,
): RevocationStore {
  return new RedisRevocationStore(redis, {
    clock: deps.clock,
    accessTokenTtlSeconds: config.auth.accessTokenTtl,
    clockToleranceSeconds: config.auth.clockTolerance,
    authority,
    loadRevocations: () => deps.loadRevocations(),
    onStateChange: (state) => deps.events({ event: `revocation_store.${state}` }),
  });
}

/**
 * Who else must hear a revocation, by deployment:
 * - the embedded database: nobody (one process per data directory), with or without Redis;
 * - PostgreSQL with `REDIS_URL`: every instance, over Redis pub/sub;
 * - PostgreSQL otherwise (no Redis, or Upstash, whose REST protocol cannot subscribe): every
 *   instance, over LISTEN/NOTIFY on the database they share.
 */
async function createBus(
  database: Config["database"],
  client: Parameters<typeof ioredisCommands>[0] | undefined,
): Promise<RevocationBus> {
  if (!("url" in database)) return new LocalRevocationBus();
  const bus = client ? new RedisRevocationBus(client) : new PostgresRevocationBus(database.url);
  try {
    await bus.start();
  } catch (error) {
    await bus.close();
    throw error;
  }
  return bus;
}
