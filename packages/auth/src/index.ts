/**
 * @authkit/auth: the auth core. Apps and the API use this surface; the tRPC guards are in
 * `@authkit/auth/trpc`, and what only benchmarks and tests need in `@authkit/auth/internal`.
 */
export { createAuth, type CreateAuthOptions } from "./create";
export type {
  Auth,
  AuthAccounts,
  AuthAdmin,
  AuthMfa,
  AuthRecovery,
  AuthSessions,
  AuthVerification,
} from "./auth";
export type { LoginInput, LoginOutcome, LoginResult } from "./sessions/login";
export type { LoginChallenge } from "./mfa/login-challenge";
export type { SecondFactorMethod } from "./mfa/second-factor-methods";
export type { FactorView } from "./mfa/factors";
export type { TotpEnrolment } from "./mfa/enrol-totp";
export type { FreshAccessToken, ReauthProof } from "./mfa/reauthenticate";
export type { SecondFactorProof, SecondStepInput } from "./mfa/verify-mfa";
export { MAX_RECOVERY_CODE_LENGTH, RECOVERY_CODE_COUNT } from "./mfa/recovery-codes";
export type { AuthenticationMethod } from "./access-token";
export type { AuthPasskeys } from "./passkeys/bind-passkeys";
export type { PasskeyView } from "./passkeys/passkey-view";
export type { Actor, Identity, RequestMeta, SessionView, TokenPair } from "./types";
export {
  AUTH_ERROR_CODE_LIST,
  AUTH_ERRORS,
  AuthError,
  FORM_ERROR_CODES,
  isAuthError,
  mapAuthErrors,
  OAUTH_ERROR_VALUES,
  type AuthErrorCode,
  type AuthErrorSpec,
  type AuthErrorStatus,
  type FormErrorCode,
  type OAuthErrorValue,
} from "./errors";
export type { SecurityEvent, SecurityEventSink } from "./events";
export type { AccountMail, AccountMailer, NoticeMail, NoticeMailer } from "./account-mailer";
export type { Clock } from "./clock";
export type { LiveIdentity, StreamEndReason } from "./live";
export { KeyConfigError, type KeySet } from "./keys";
export { PasswordHasher } from "./password";
export { bearerToken } from "./bearer-token";
export { assertSameOrigin } from "./same-origin";
export { RedisUnavailableError } from "./redis/ioredis";
export {
  clearLoginChallengeCookie,
  readLoginChallengeCookie,
  serializeLoginChallengeCookie,
  clearRefreshCookie,
  refreshCookieName,
  readDeviceCookie,
  readRefreshCookie,
  serializeDeviceCookie,
  serializeRefreshCookie,
} from "./cookies";
export type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
