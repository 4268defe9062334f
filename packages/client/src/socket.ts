/**
 * A ticketed subscription over WebSocket: `ws(s)://<host>/api/trpc?ticket=<ticket>` through
 * tRPC's `createWSClient`/`wsLink`, one socket per ticket.
 *
 * The ticket is spent by the upgrade, so the socket must never reconnect by itself (tRPC's client
 * would, with the same URL, and collect 1008s): when it closes or fails, the subscription ends
 * with `LiveSocketClosed` and the caller (`createTicketedSubscription`) reconnects with a fresh
 * ticket after its backoff, exactly as it does for server-sent events.
 */
import { createTRPCUntypedClient, createWSClient, wsLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import type { Unsubscribable } from "@trpc/server/observable";

import type { SubscriptionHandlers } from "./subscription";

/** The server closed (or the network lost) the socket; `reason` is the server's short word. */
export class LiveSocketClosed extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`live socket closed (${code}${reason ? ` ${reason}` : ""})`);
    this.name = "LiveSocketClosed";
  }
}

/** 1008: the ticket was refused (`unauthorized`) or the session ended (the cause, e.g. `logout`). */
export const POLICY_VIOLATION = 1008;

export type WebSocketConstructor = new (
  url: string | URL,
  protocols?: string | string[],
) => WebSocket;

export interface SocketSubscriptionOptions {
  /** The API's tRPC URL, e.g. "/api/trpc" (resolved against the page) or an absolute one. */
  url: string;
  /** A procedure guarded by `ticketProcedure`, e.g. "session.events". */
  path: string;
  /** Its input besides the ticket (which travels in the URL). */
  input?: Record<string, unknown>;
  /** Default: the browser's. */
  WebSocket?: WebSocketConstructor;
}

/** `/api/trpc` → `wss://host/api/trpc?ticket=…` (ws: on a plain-http page). */
export function socketUrl(url: string, ticket: string, base?: string): string {
  const page = base ?? (typeof location === "undefined" ? undefined : location.href);
  const target = new URL(url, page);
  target.protocol = target.protocol === "https:" || target.protocol === "wss:" ? "wss:" : "ws:";
  target.searchParams.set("ticket", ticket);
  return target.toString();
}

export function subscribeOverSocket<T>(
  ticket: string,
  handlers: SubscriptionHandlers<T>,
  { url, path, input = {}, WebSocket }: SocketSubscriptionOptions,
): Unsubscribable {
  let ended = false;
  const end = (error: unknown) => {
    if (ended) return;
    ended = true;
    teardown();
    handlers.onError(error);
  };
  const wsClient = createWSClient({
    url: socketUrl(url, ticket),
    ...(WebSocket ? { WebSocket: WebSocket as unknown as typeof globalThis.WebSocket } : {}),
    // A dead network is noticed within 40 s; the server's own pings keep proxies from idling it.
    keepAlive: { enabled: true, intervalMs: 30_000, pongTimeoutMs: 10_000 },
    onClose: (cause) => {
      const reason = (cause as { reason?: unknown } | undefined)?.reason;
      end(new LiveSocketClosed(cause?.code ?? 1006, typeof reason === "string" ? reason : ""));
    },
    onError: () => end(new LiveSocketClosed(1006, "")),
  });
  const client = createTRPCUntypedClient<AnyTRPCRouter>({ links: [wsLink({ client: wsClient })] });
  // Held in an object: a synchronous failure calls `teardown` before `subscription` returns.
  const held: { subscription?: Unsubscribable } = {};
  const subscription = client.subscription(path, input, {
    onStarted: () => {
      if (!ended) handlers.onStarted();
    },
    onData: (data) => {
      if (!ended) handlers.onData(data as T);
    },
    onError: (error) => end(error),
    onComplete: () => {
      if (ended) return;
      ended = true;
      teardown();
      handlers.onComplete();
    },
  });
  held.subscription = subscription;
  // Ended while subscribing (a synchronous failure): nothing may stay open.
  if (ended) subscription.unsubscribe();
  function teardown() {
    held.subscription?.unsubscribe();
    // Closing stops tRPC's own reconnect: the next attempt brings a new ticket.
    void wsClient.close().catch(() => undefined);
  }
  return {
    unsubscribe: () => {
      if (ended) return;
      ended = true;
      teardown();
    },
  };
}
