import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";

import { AUTH_ERRORS } from "@authkit/auth";

import type { App } from "../app";
import { appRouter } from "../root";

const subscriptionPaths = new Set(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .filter(([, procedure]) => procedure._def.type === "subscription")
    .map(([path]) => path),
);

const REFUSED = AUTH_ERRORS.UNAUTHENTICATED;

/**
 * The tRPC error body every refused ticket gets: the same 401 as any other token failure, from
 * the error table (what the tRPC error formatter would write for UNAUTHENTICATED).
 */
const UNAUTHORIZED_BODY = (path: string) =>
  JSON.stringify({
    error: {
      message: REFUSED.message,
      code: TRPC_ERROR_CODES_BY_KEY[REFUSED.trpc],
      data: { code: REFUSED.trpc, httpStatus: REFUSED.httpStatus, path, zodError: null },
    },
  });

/**
 * tRPC opens the event stream before the procedure runs, so a bad ticket would show up as an
 * error inside a 200 stream. Checking the ticket first (without consuming it; the guard does
 * that atomically) answers a plain 401 instead: no stream is opened for a refused ticket.
 * Returns null when the request may proceed.
 */
export interface Refusal {
  status: (typeof REFUSED)["httpStatus"];
  headers: Record<string, string>;
  body: string;
}

/**
 * Synchronous null for everything but a subscription, so queries on the hot path pay one
 * string slice and a set lookup. `url` is the request's path and query, e.g. from `req.url`.
 */
export function ticketPreflight(
  app: App,
  url: string,
  basePath: string,
): Promise<Refusal | null> | null {
  const query = url.indexOf("?");
  const path = url.slice(basePath.length + 1, query < 0 ? undefined : query);
  if (!subscriptionPaths.has(path)) return null;
  return refuseBadTicket(app, path, new URLSearchParams(query < 0 ? "" : url.slice(query + 1)));
}

async function refuseBadTicket(
  app: App,
  path: string,
  search: URLSearchParams,
): Promise<Refusal | null> {
  let ticket: unknown;
  try {
    ticket = (JSON.parse(search.get("input") ?? "null") as { ticket?: unknown } | null)?.ticket;
  } catch {
    return null; // Malformed input: tRPC answers 400 itself.
  }
  // No ticket is as good as a bad one (over HTTP; a WebSocket brings its own at the upgrade).
  const given = typeof ticket === "string" ? ticket : "";
  if (await app.auth.live.isRedeemable(given).catch(() => true)) return null;
  return {
    status: REFUSED.httpStatus,
    headers: {
      "content-type": "application/json",
      "www-authenticate": "Bearer",
      "cache-control": "no-store",
    },
    body: UNAUTHORIZED_BODY(path),
  };
}

/**
 * Whether a request to `url` may become a live event stream: a subscription, or a batch (which
 * tRPC's own links never use for one, but a client could). Everything else gets a Fetch
 * `Request` without an abort signal (./node): nothing of it outlives its answer.
 */
export function mayOpenStream(url: string, basePath: string): boolean {
  if (!url.startsWith(`${basePath}/`)) return false;
  const query = url.indexOf("?");
  const path = url.slice(basePath.length + 1, query < 0 ? undefined : query);
  // A batch, or an encoded path tRPC decodes into one: treated as possibly streaming.
  return path.includes(",") || path.includes("%") || subscriptionPaths.has(path);
}
