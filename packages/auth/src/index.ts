/**
 * @authkit/auth: the auth core. Apps and the API use this surface; the tRPC guards are in
 * `@authkit/auth/trpc`, and what only benchmarks and tests need in `@authkit/auth/internal`.
 */
export { createAuth, type Auth } from "./create";
export type { RequestMeta, TokenPair } from "./types";
export { AuthError, isAuthError, type AuthErrorCode } from "./errors";
export type { SecurityEvent, SecurityEventSink } from "./events";
export type { AccountMailer } from "./mail";
export type { Clock } from "./clock";
export type { LiveIdentity } from "./live";
export type { KeySet } from "./keys";
export { PasswordHasher } from "./password";
export {
  assertSameOrigin,
  bearerToken,
  clearRefreshCookie,
  readDeviceCookie,
  readRefreshCookie,
  serializeDeviceCookie,
  serializeRefreshCookie,
} from "./http";
