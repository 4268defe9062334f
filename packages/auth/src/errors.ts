/**
 * Every failure the auth core can report, with a stable code to branch on (never the message).
 * The tRPC and HTTP layers map these codes to status codes in exactly one place each.
 */
export const AUTH_ERROR_CODES = {
  /** Any token problem: missing, malformed, forged, expired, revoked, unknown user. */
  UNAUTHENTICATED: "Unauthorized",
  INVALID_CREDENTIALS: "Invalid email or password",
  /** A consumed refresh token came back after the grace: every session of the user is revoked. */
  REFRESH_TOKEN_REUSED: "Unauthorized",
  FORBIDDEN: "You are not allowed to do this",
  CROSS_SITE_REQUEST: "Cross-site requests are not allowed",
  WRONG_PASSWORD: "Current password is incorrect",
  LAST_ADMIN: "The last admin cannot be demoted or disabled",
  /** A reset or verification link that was used, expired, replaced or never issued: one answer. */
  INVALID_TOKEN: "This link is invalid or has expired",
  /** REQUIRE_EMAIL_VERIFICATION is on and the (correct) password belongs to an unverified email. */
  EMAIL_NOT_VERIFIED: "Confirm your email address before signing in",
  EMAIL_TAKEN: "An account with this email already exists",
  NOT_FOUND: "Not found",
  RATE_LIMITED: "Too many attempts, try again later",
  /** The revocation store or database cannot answer: fail closed. */
  UNAVAILABLE: "Service temporarily unavailable",
  /** Too much password hashing queued: try again shortly rather than wait without bound. */
  OVERLOADED: "Service is busy, try again shortly",
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERROR_CODES;

/**
 * Why a token was refused. Never sent to the client (every cause is the same 401); it goes to
 * the server log, where an operator needs it ("expired" and "forged" call for different fixes).
 */
export type AuthFailureReason =
  | "TOKEN_MISSING"
  | "TOKEN_MALFORMED"
  | "TOKEN_EXPIRED"
  | "TOKEN_INVALID"
  | "TOKEN_REVOKED"
  | "TOKEN_LIFETIME"
  | "REFRESH_TOKEN_UNKNOWN"
  | "SESSION_ENDED"
  | "TICKET_INVALID";

export class AuthError extends Error {
  readonly retryAfterSeconds: number | undefined;
  readonly reason: AuthFailureReason | undefined;

  constructor(
    readonly code: AuthErrorCode,
    options?: { cause?: unknown; retryAfterSeconds?: number; reason?: AuthFailureReason },
  ) {
    super(
      AUTH_ERROR_CODES[code],
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "AuthError";
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.reason = options?.reason;
  }
}

/**
 * By brand, not only `instanceof`: in `pnpm dev` (and between Next's bundles) the App that
 * throws may come from another copy of this module than the code that catches, and its
 * AuthError is then another class with the same name and shape.
 */
export function isAuthError(error: unknown, code?: AuthErrorCode): error is AuthError {
  const branded =
    error instanceof AuthError ||
    (error instanceof Error &&
      error.name === "AuthError" &&
      "code" in error &&
      typeof error.code === "string" &&
      error.code in AUTH_ERROR_CODES);
  return branded && (code === undefined || (error as AuthError).code === code);
}

/** The one 401 for a refused token, with its cause kept for the log. */
export const unauthenticated = (reason: AuthFailureReason, cause?: unknown) =>
  new AuthError("UNAUTHENTICATED", { reason, cause });

/** Runs a store or database call; any failure becomes UNAVAILABLE so callers fail closed. */
export async function orUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError("UNAVAILABLE", { cause: error });
  }
}
