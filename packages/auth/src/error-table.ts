/**
 * The one error table (issue 26, §2): each stable code of the auth core carries, once, everything
 * a layer answers with. The tRPC guards (./trpc), the tRPC error formatter, the OAuth endpoints,
 * the forms without JavaScript, the WebSocket upgrade and the subscriptions' preflight all derive
 * their mapping from it with `mapAuthErrors`, never with a `switch` and its `default:`. A new
 * code is one entry here, and TypeScript refuses the entry until every field is filled.
 */
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";

/** RFC 6749 §5.2 error codes, plus the two transport conditions every client must handle. */
export const OAUTH_ERROR_VALUES = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unsupported_grant_type",
  "slow_down",
  "temporarily_unavailable",
  "server_error",
] as const;

export type OAuthErrorValue = (typeof OAUTH_ERROR_VALUES)[number];

/**
 * What a failed form submission reports in `?error=` (apps/web words them: lib/errors.ts).
 * Besides the codes below, a form reports its own reading problems (`invalid_email`…).
 */
export const FORM_ERROR_CODES = [
  "invalid_credentials",
  "invalid_email",
  "invalid_password",
  "invalid_name",
  "password_mismatch",
  "weak_password",
  "breached_password",
  "email_taken",
  "email_not_verified",
  "invalid_token",
  "invalid_code",
  "challenge_expired",
  "rate_limited",
  "unavailable",
  "bad_request",
  "server_error",
] as const;

export type FormErrorCode = (typeof FORM_ERROR_CODES)[number];

export type AuthErrorStatus = 400 | 401 | 403 | 404 | 409 | 429 | 503;

export interface AuthErrorSpec {
  /** The message every client sees (never a secret, never the cause). */
  message: string;
  /** The HTTP status of every JSON answer (tRPC's for `trpc`, checked by the test). */
  httpStatus: AuthErrorStatus;
  trpc: TRPC_ERROR_CODE_KEY;
  /**
   * Whether the code itself reaches clients (tRPC's `data.authCode`). Not for refused tokens:
   * every such 401 is one body, whatever the cause (a replayed refresh token included).
   */
  exposeCode: boolean;
  /** What the OAuth endpoints answer (RFC 6749 §5.2). */
  oauth: {
    status: 400 | 429 | 503;
    error: OAuthErrorValue;
    /** ASCII without quotes or backslashes (RFC 6749 §5.2 grammar); the message otherwise. */
    description?: string;
  };
  /**
   * The form's `?error=` code. Null: no form can meet this code; if one does, it reports
   * `server_error` and the failure is logged, as any unexpected one.
   */
  form: FormErrorCode | null;
}

const unavailable = { status: 503, error: "temporarily_unavailable" } as const;
const refusedGrant = { status: 400, error: "invalid_grant" } as const;
const badRequest = { status: 400, error: "invalid_request" } as const;

export const AUTH_ERRORS = {
  /** Any token problem: missing, malformed, forged, expired, revoked, unknown user. */
  UNAUTHENTICATED: {
    message: "Unauthorized",
    httpStatus: 401,
    trpc: "UNAUTHORIZED",
    exposeCode: false,
    oauth: { ...refusedGrant, description: "Invalid or expired token" },
    form: "invalid_credentials",
  },
  INVALID_CREDENTIALS: {
    message: "Invalid email or password",
    httpStatus: 401,
    trpc: "UNAUTHORIZED",
    exposeCode: true,
    oauth: refusedGrant,
    form: "invalid_credentials",
  },
  /** A consumed refresh token came back after the grace: every session of the user is revoked. */
  REFRESH_TOKEN_REUSED: {
    message: "Unauthorized",
    httpStatus: 401,
    trpc: "UNAUTHORIZED",
    exposeCode: false,
    // One answer for unknown, expired, revoked and replayed tokens: a replay tells the caller
    // nothing more than "this token is no good" (its sessions have been revoked all the same).
    oauth: { ...refusedGrant, description: "Invalid or expired token" },
    form: "invalid_credentials",
  },
  FORBIDDEN: {
    message: "You are not allowed to do this",
    httpStatus: 403,
    trpc: "FORBIDDEN",
    exposeCode: true,
    oauth: refusedGrant,
    form: null,
  },
  CROSS_SITE_REQUEST: {
    message: "Cross-site requests are not allowed",
    httpStatus: 403,
    trpc: "FORBIDDEN",
    exposeCode: true,
    oauth: badRequest,
    form: null,
  },
  WRONG_PASSWORD: {
    message: "Current password is incorrect",
    httpStatus: 400,
    trpc: "BAD_REQUEST",
    exposeCode: true,
    oauth: refusedGrant,
    form: "invalid_credentials",
  },
  /** A new password among the most common ones (zxcvbn score below 2): see password-policy.ts. */
  PASSWORD_TOO_WEAK: {
    message:
      "This password is too easy to guess: it is one of the most common passwords or close to one. Try a few unrelated words",
    httpStatus: 400,
    trpc: "BAD_REQUEST",
    exposeCode: true,
    oauth: badRequest,
    form: "weak_password",
  },
  /** A new password found in a breach corpus (PASSWORD_BREACH_CHECK=hibp). */
  PASSWORD_BREACHED: {
    message:
      "This password has appeared in a data breach, so attackers try it first. Choose another one",
    httpStatus: 400,
    trpc: "BAD_REQUEST",
    exposeCode: true,
    oauth: badRequest,
    form: "breached_password",
  },
  LAST_ADMIN: {
    message: "The last admin cannot be demoted or disabled",
    httpStatus: 409,
    trpc: "CONFLICT",
    exposeCode: true,
    oauth: badRequest,
    form: null,
  },
  /** A reset or verification link that was used, expired, replaced or never issued: one answer. */
  INVALID_TOKEN: {
    message: "This link is invalid or has expired",
    httpStatus: 400,
    trpc: "BAD_REQUEST",
    exposeCode: true,
    oauth: refusedGrant,
    form: "invalid_token",
  },
  /** REQUIRE_EMAIL_VERIFICATION is on and the (correct) password belongs to an unverified email. */
  EMAIL_NOT_VERIFIED: {
    message: "Confirm your email address before signing in",
    httpStatus: 403,
    trpc: "FORBIDDEN",
    exposeCode: true,
    // RFC 6749 has no code for it: the grant is refused, and the description says why.
    oauth: refusedGrant,
    form: "email_not_verified",
  },
  EMAIL_TAKEN: {
    message: "An account with this email already exists",
    httpStatus: 409,
    trpc: "CONFLICT",
    exposeCode: true,
    oauth: badRequest,
    form: "email_taken",
  },
  NOT_FOUND: {
    message: "Not found",
    httpStatus: 404,
    trpc: "NOT_FOUND",
    exposeCode: true,
    oauth: badRequest,
    form: null,
  },
  RATE_LIMITED: {
    message: "Too many attempts, try again later",
    httpStatus: 429,
    trpc: "TOO_MANY_REQUESTS",
    exposeCode: true,
    oauth: { status: 429, error: "slow_down" },
    form: "rate_limited",
  },
  /** The revocation store or database cannot answer: fail closed. */
  UNAVAILABLE: {
    message: "Service temporarily unavailable",
    httpStatus: 503,
    trpc: "SERVICE_UNAVAILABLE",
    exposeCode: true,
    oauth: unavailable,
    form: "unavailable",
  },
  /** Too much password hashing queued: try again shortly rather than wait without bound. */
  OVERLOADED: {
    message: "Service is busy, try again shortly",
    httpStatus: 503,
    trpc: "SERVICE_UNAVAILABLE",
    exposeCode: true,
    oauth: unavailable,
    form: "unavailable",
  },
  /** A sign-in's second step with a wrong code (TOTP or recovery code) or a failed passkey. */
  MFA_CODE_INVALID: {
    message: "Invalid verification code",
    httpStatus: 401,
    trpc: "UNAUTHORIZED",
    exposeCode: true,
    oauth: refusedGrant,
    form: "invalid_code",
  },
  /** A second-step challenge that is unknown, used, expired, ended by too many wrong codes,
   *  or presented by another client: sign in again. One answer for all. */
  MFA_CHALLENGE_INVALID: {
    message: "This sign-in has expired, sign in again",
    httpStatus: 401,
    trpc: "UNAUTHORIZED",
    exposeCode: true,
    oauth: { ...refusedGrant, description: "Invalid or expired mfa_token" },
    form: "challenge_expired",
  },
  /** A passkey that could not be used: unknown, bad signature, used or expired challenge, wrong
   *  origin or RP ID, a cloned key's counter, a disabled account. One answer for all. */
  PASSKEY_REJECTED: {
    message: "This passkey could not be used. Try again or sign in another way",
    httpStatus: 401,
    trpc: "UNAUTHORIZED",
    exposeCode: true,
    oauth: refusedGrant,
    form: null,
  },
  /** `MFA_REQUIRED_FOR` asks this caller for a second factor, and the token has none (`amr`). */
  MFA_REQUIRED: {
    message: "A second factor is required",
    httpStatus: 403,
    trpc: "FORBIDDEN",
    exposeCode: true,
    oauth: refusedGrant,
    form: null,
  },
  /** The action needs a recent sign-in (`auth_time` within `REAUTH_MAX_AGE`): re-authenticate. */
  REAUTHENTICATION_REQUIRED: {
    message: "Confirm it is you to continue",
    httpStatus: 403,
    trpc: "FORBIDDEN",
    exposeCode: true,
    oauth: refusedGrant,
    form: null,
  },
  /** Removing this factor would leave none while `MFA_REQUIRED_FOR` demands one. */
  FACTOR_REQUIRED: {
    message: "A second factor is required: add another before removing this one",
    httpStatus: 409,
    trpc: "CONFLICT",
    exposeCode: true,
    oauth: badRequest,
    form: null,
  },
} as const satisfies Record<string, AuthErrorSpec>;

export type AuthErrorCode = keyof typeof AUTH_ERRORS;

export const AUTH_ERROR_CODE_LIST = Object.keys(AUTH_ERRORS) as AuthErrorCode[];

/**
 * A layer's mapping, derived from the table: one value for every code, so a layer can never
 * miss one. Callers state the contract with `satisfies Record<AuthErrorCode, …>`.
 */
export function mapAuthErrors<T>(
  pick: (spec: AuthErrorSpec, code: AuthErrorCode) => T,
): Record<AuthErrorCode, T> {
  return Object.fromEntries(
    AUTH_ERROR_CODE_LIST.map((code) => [code, pick(AUTH_ERRORS[code], code)]),
  ) as Record<AuthErrorCode, T>;
}
