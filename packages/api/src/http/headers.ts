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
