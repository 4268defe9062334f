/**
 * Building blocks behind the core, for benchmarks and tests that measure or replace one part.
 * Not for apps: they go through `createAuth`.
 */
export { AccessTokens, MAX_TOKEN_LENGTH, type AccessTokenClaims, type Role } from "./access-token";
export { loadKeySet, KeyConfigError, type SigningAlgorithm } from "./keys";
export { PASSWORD_HASH_PARAMS } from "./password";
export { systemClock } from "./clock";
export { cryptoRandom, sha256, type Random } from "./random";
export type { RevocationStore, RevocationClaims, RevocationVerdict } from "./revocation/store";
export { DatabaseRevocationStore } from "./revocation/database";
export { RedisRevocationStore } from "./revocation/redis";
export { LocalRevocationBus, PostgresRevocationBus, type RevocationBus } from "./revocation/bus";
export { RedisRevocationBus } from "./revocation/redis-bus";
export { createBackends, type Backends } from "./backends";
export { redisScript, type RedisCommands, type RedisScript } from "./redis/commands";
export { connectRedis, ioredisCommands } from "./redis/ioredis";
export { upstashCommands } from "./redis/upstash";
export {
  clientIpKey,
  DatabaseRateLimiter,
  RedisRateLimiter,
  type RateLimiter,
  type RateLimitRule,
} from "./rate-limit";
export { TICKET_TTL_SECONDS, type LiveIdentity, type SessionWatch } from "./live";
export type { WatcherCounts } from "./session-watchers";
export type { RevocationEvent, RevocationReason } from "./types";
export { totpCode, totpStep } from "./mfa/totp";
