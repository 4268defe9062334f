import { errorCode } from "@authkit/client";

/** The shape our API's error formatter gives every error (`zodError` for bad input). */
interface ApiErrorData {
  code?: string;
  httpStatus?: number;
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
      return "Too many attempts. Please wait a moment and try again.";
    case "INTERNAL_SERVER_ERROR":
    case "SERVICE_UNAVAILABLE":
      return "Something went wrong on our side. Please try again.";
    default:
      return error instanceof Error && error.message
        ? error.message
        : "Something went wrong. Please try again.";
  }
}

/** A 400 the server explained in words rather than per field (e.g. "Current password is incorrect"). */
export function isPlainBadRequest(error: unknown): boolean {
  return errorCode(error) === "BAD_REQUEST" && !dataOf(error)?.zodError;
}

export const isForbidden = (error: unknown) => errorCode(error) === "FORBIDDEN";

/** Retry queries only when the failure may be transient: no answer, or a 5xx. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  const status = dataOf(error)?.httpStatus;
  return failureCount < 2 && (status === undefined || status >= 500);
}
