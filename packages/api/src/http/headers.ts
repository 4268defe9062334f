/**
 * Security headers for API responses (JSON and event streams, never HTML): nothing may render,
 * frame or sniff them. Pages get theirs from next.config.ts; these go on every response of the
 * API handler, in every deployment mode.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
};

/**
 * Every API response is personal unless its handler says it is public: tRPC results (`user.me`,
 * `session.list`, `auth.ticket` whose body is a bearer ticket), event streams, token grants,
 * form redirects that set cookies, and the errors of each. None may be kept by a browser's or a
 * proxy's cache, so each gets `Cache-Control: no-store` (tRPC's own `no-cache` on event streams
 * included). The one exception is a response its handler marked `public` (the JWKS).
 */
export function applyCachePolicy(headers: Headers): void {
  const policy = cachePolicy(headers.get("cache-control"), headers.get("content-type"));
  if (policy) headers.set("cache-control", policy);
}

/** The `Cache-Control` an API response gets, or null to keep its own (`public`). */
export function cachePolicy(
  cacheControl: string | null | undefined,
  contentType: string | null | undefined,
): string | null {
  if (cacheControl?.startsWith("public")) return null;
  return contentType?.startsWith("text/event-stream") ? "no-store, no-transform" : "no-store";
}

/** API_SECURITY_HEADERS as name/value pairs, for writers that set them one by one. */
export const API_SECURITY_HEADER_ENTRIES: readonly (readonly [string, string])[] =
  Object.entries(API_SECURITY_HEADERS);
