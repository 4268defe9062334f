import type { TRPCError } from "@trpc/server";

import { isAuthError } from "@authkit/auth";

import type { Context } from "../trpc";

/**
 * Response headers for a tRPC response, shared by the node and fetch mounts: the cookies the
 * procedures set, `WWW-Authenticate: Bearer` on every 401, `Retry-After` on every 429, and
 * `Cache-Control: no-store` on every one (./headers `applyCachePolicy` makes sure again, for
 * event streams and every other API response).
 */
export function responseHeaders(ctx: Context | undefined, errors: readonly TRPCError[]): Headers {
  const headers = new Headers(ctx?.resHeaders);
  if (errors.some((e) => e.code === "UNAUTHORIZED")) headers.set("www-authenticate", "Bearer");
  const retryAfter = errors
    .map((e) => (isAuthError(e.cause) ? e.cause.retryAfterSeconds : undefined))
    .find((s) => s !== undefined);
  if (retryAfter !== undefined)
    headers.set("retry-after", String(Math.max(1, Math.ceil(retryAfter))));
  headers.set("cache-control", "no-store");
  return headers;
}
