import { AUTH_ERRORS, mapAuthErrors, type AuthErrorCode } from "./error-table";

export {
  AUTH_ERROR_CODE_LIST,
  AUTH_ERRORS,
  FORM_ERROR_CODES,
  mapAuthErrors,
  OAUTH_ERROR_VALUES,
  type AuthErrorCode,
  type AuthErrorSpec,
  type AuthErrorStatus,
  type FormErrorCode,
  type OAuthErrorValue,
} from "./error-table";

/**
 * Every failure the auth core can report, with a stable code to branch on (never the message):
 * each code's message. Everything else a layer answers with is in the table (./error-table).
 */
export const AUTH_ERROR_CODES = mapAuthErrors((spec) => spec.message) satisfies Record<
  AuthErrorCode,
  string
>;

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
  /** Correctly signed and not revoked, but its `role` is not the user's: see authenticate.ts. */
  | "TOKEN_ROLE_MISMATCH"
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
      AUTH_ERRORS[code].message,
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
      error.code in AUTH_ERRORS);
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
