/**
 * A tRPC client error says what the server meant in `data` (code and HTTP status). Duck-typed so
 * that errors from another copy of @trpc/client (bundlers can duplicate it) still match.
 */
function errorData(error: unknown): { code?: unknown; httpStatus?: unknown } | undefined {
  if (typeof error !== "object" || error === null || !("data" in error)) return undefined;
  const { data } = error;
  return typeof data === "object" && data !== null ? data : undefined;
}

/** The server refused the credentials (401): the token, or for a refresh the cookie. */
export function isUnauthorized(error: unknown): boolean {
  const data = errorData(error);
  return data?.code === "UNAUTHORIZED" || data?.httpStatus === 401;
}

/** The tRPC error code (`BAD_REQUEST`, `FORBIDDEN`, ...), or undefined for network failures. */
export function errorCode(error: unknown): string | undefined {
  const code = errorData(error)?.code;
  return typeof code === "string" ? code : undefined;
}
