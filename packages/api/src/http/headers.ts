import type { ServerResponse } from "node:http";

/**
 * Security headers for API responses (JSON and event streams, never HTML): nothing may render,
 * frame or sniff them. Pages get theirs from next.config.ts; these cover the paths the custom
 * server answers before Next sees them.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
};

export function setApiSecurityHeaders(res: ServerResponse): void {
  for (const name in API_SECURITY_HEADERS) res.setHeader(name, API_SECURITY_HEADERS[name]!);
}
