import type { App } from "../app";
import { appRouter } from "../root";

const subscriptionPaths = new Set(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .filter(([, procedure]) => procedure._def.type === "subscription")
    .map(([path]) => path),
);

/** The tRPC error body every refused ticket gets: the same 401 as any other token failure. */
const UNAUTHORIZED_BODY = (path: string) =>
  JSON.stringify({
    error: {
      message: "Unauthorized",
      code: -32001,
      data: { code: "UNAUTHORIZED", httpStatus: 401, path, zodError: null },
    },
  });

/**
 * tRPC opens the event stream before the procedure runs, so a bad ticket would show up as an
 * error inside a 200 stream. Checking the ticket first (without consuming it; the guard does
 * that atomically) answers a plain 401 instead: no stream is opened for a refused ticket.
 * Returns null when the request may proceed.
 */
export interface Refusal {
  status: 401;
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
    status: 401,
    headers: {
      "content-type": "application/json",
      "www-authenticate": "Bearer",
      "cache-control": "no-store",
    },
    body: UNAUTHORIZED_BODY(path),
  };
}
