import { errorCode } from "@authkit/client";

/** The shape our API's error formatter gives every error (`zodError` for bad input). */
interface ApiErrorData {
  code?: string;
  httpStatus?: number;
  /** The core's stable code (`EMAIL_NOT_VERIFIED`, `INVALID_TOKEN`, `LAST_ADMIN`…). */
  authCode?: string | null;
  zodError?: { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } | null;
}

function dataOf(error: unknown): ApiErrorData | undefined {
  if (typeof error !== "object" || error === null || !("data" in error)) return undefined;
  const { data } = error;
  return typeof data === "object" && data !== null ? data : undefined;
}

export type FieldErrors = Partial<Record<string, string>>;

/** The first message for each invalid field, as the server's zod schema worded it. */
export function fieldErrors(error: unknown): FieldErrors {
  const fields = dataOf(error)?.zodError?.fieldErrors ?? {};
  const out: FieldErrors = {};
  for (const [name, messages] of Object.entries(fields)) {
    if (messages?.[0]) out[name] = messages[0];
  }
  return out;
}

/**
 * Seconds to wait before trying again, from the 429's `Retry-After`: the HTTP link keeps the
 * response in the error's `meta`.
 */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("meta" in error)) return undefined;
  const { meta } = error as { meta?: { response?: unknown } };
  const response = meta?.response;
  if (!(response instanceof Response)) return undefined;
  const seconds = Number(response.headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : undefined;
}

/** "Too many attempts. Try again in 40 seconds." (or "in 2 minutes"). */
export function tooManyAttemptsMessage(seconds: number | undefined): string {
  if (seconds === undefined) return "Too many attempts. Please wait a moment and try again.";
  const wait =
    seconds < 90
      ? `${seconds} second${seconds === 1 ? "" : "s"}`
      : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many attempts. Try again in ${wait}.`;
}

/** One sentence for the top of a form or panel; never a stack trace or raw JSON. */
export function errorMessage(error: unknown): string {
  const data = dataOf(error);
  if (data?.zodError) {
    const form = data.zodError.formErrors[0];
    return form ?? "Please fix the highlighted fields.";
  }
  switch (errorCode(error)) {
    case undefined:
      return "Can't reach the server. Check your connection and try again.";
    case "TOO_MANY_REQUESTS":
      return tooManyAttemptsMessage(retryAfterSeconds(error));
    case "INTERNAL_SERVER_ERROR":
    case "SERVICE_UNAVAILABLE":
      return "Something went wrong on our side. Please try again.";
    default:
      return error instanceof Error && error.message
        ? error.message
        : "Something went wrong. Please try again.";
  }
}

export const isForbidden = (error: unknown) => errorCode(error) === "FORBIDDEN";

/** The core's stable code for a failure, to branch on (never the message). */
export const authCodeOf = (error: unknown): string | undefined =>
  dataOf(error)?.authCode ?? undefined;

/**
 * A new password the server's policy refused (PASSWORD_TOO_WEAK, PASSWORD_BREACHED), claimed
 * for the field it is about, in the server's words.
 */
export const passwordPolicyError =
  (field: string) =>
  (error: unknown): FieldErrors | undefined => {
    const code = authCodeOf(error);
    return (code === "PASSWORD_TOO_WEAK" || code === "PASSWORD_BREACHED") && error instanceof Error
      ? { [field]: error.message }
      : undefined;
  };

/** Retry queries only when the failure may be transient: no answer, or a 5xx. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  const status = dataOf(error)?.httpStatus;
  return failureCount < 2 && (status === undefined || status >= 500);
}

/**
 * The form endpoint's `?error=` codes (packages/api/src/http/forms.ts), worded as the JSON
 * path words the same failures. Unknown codes say nothing: the query string is the visitor's
 * to edit, and it must not put words on the page.
 */
export function formErrorMessage(
  page:
    "login" | "second-factor" | "register" | "forgot-password" | "reset-password" | "verify-email",
  code: string | undefined,
  retry: string | undefined,
): string | null {
  switch (code) {
    case "invalid_credentials":
      return "Invalid email or password";
    case "invalid_email":
      return "Enter a valid email address of at most 254 characters.";
    case "invalid_password":
      return page === "login"
        ? "Enter your password (at most 256 characters)."
        : "Password must be 8 to 256 characters.";
    case "invalid_name":
      return "Name must be at most 100 characters, without control characters.";
    case "password_mismatch":
      return "Passwords don't match";
    case "weak_password":
      return "This password is too easy to guess: it is one of the most common passwords or close to one. Try a few unrelated words.";
    case "breached_password":
      return "This password has appeared in a data breach, so attackers try it first. Choose another one.";
    case "email_taken":
      return "An account with this email already exists";
    case "invalid_code":
      return "That code didn't work. Enter the code your app shows now, or an unused recovery code.";
    case "challenge_expired":
      return "This sign-in took too long or had too many wrong codes. Sign in again.";
    case "invalid_token":
      return "This link is invalid or has expired.";
    case "email_not_verified":
      return "Confirm your email address before signing in. Sign in with JavaScript on to get a new link.";
    case "rate_limited": {
      const seconds = Number(retry);
      return tooManyAttemptsMessage(Number.isInteger(seconds) && seconds > 0 ? seconds : undefined);
    }
    case "unavailable":
    case "server_error":
      return "Something went wrong on our side. Please try again.";
    case "bad_request":
      return "The form could not be read. Please try again.";
    default:
      return null;
  }
}
