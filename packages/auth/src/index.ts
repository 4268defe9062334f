export { createAuth, type Auth, type CreateAuthOptions } from "./create";
export {
  AuthService,
  type Identity,
  type RequestMeta,
  type RevocationEvent,
  type RevocationReason,
  type SessionView,
  type TokenPair,
} from "./service";
export {
  DatabaseRateLimiter,
  UpstashRateLimiter,
  clientIpKey,
  rateLimitsFromConfig,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
  type RateLimits,
} from "./rate-limit";
export { AccessTokens, MAX_TOKEN_LENGTH, type AccessTokenClaims, type Role } from "./access-token";
export { loadKeySet, KeyConfigError, type KeySet, type SigningAlgorithm } from "./keys";
export { PasswordHasher, PASSWORD_HASH_PARAMS } from "./password";
export { AuthError, AUTH_ERROR_CODES, isAuthError, type AuthErrorCode } from "./errors";
export { systemClock, type Clock } from "./clock";
export { cryptoRandom, sha256, type Random } from "./random";
export type { RevocationStore } from "./revocation/store";
export { DatabaseRevocationStore } from "./revocation/database";
export { UpstashRevocationStore } from "./revocation/upstash";
export {
  bearerToken,
  assertSameOrigin,
  serializeRefreshCookie,
  clearRefreshCookie,
  readRefreshCookie,
  refreshCookieName,
} from "./http";
export {
  publicProcedure,
  protectedProcedure,
  adminProcedure,
  ticketProcedure,
  toTRPCError,
  type AuthContext,
} from "./trpc";
export { LiveSessions, TICKET_TTL_SECONDS, type LiveIdentity, type SessionWatch } from "./live";
export { LocalRevocationBus, PostgresRevocationBus, type RevocationBus } from "./revocation/bus";
