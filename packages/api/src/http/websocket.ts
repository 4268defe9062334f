/**
 * Live subscriptions over WebSocket: `ws(s)://<host>/api/trpc?ticket=<ticket>`, served by tRPC's
 * WebSocket adapter beside the HTTP API on the same path.
 *
 * The ticket is the one `auth.ticket` mints for server-sent events (single use, 30 s, bound to
 * the session, the token version and the access token, stored hashed) and is redeemed here, at
 * the upgrade, before the adapter sees the socket: a refused ticket never gets a working
 * connection. Browsers cannot read an upgrade's HTTP status, so a refusal is an accepted
 * socket closed at once with 1008 (policy violation) and a short reason. From then on the
 * socket is the ticket's session: its subscriptions run as that session (`ctx.connection`),
 * and the socket is closed with 1008 the moment the session, the user or the token version is
 * revoked on any instance (the revocation bus), or the session expires.
 *
 * What one account can make a socket hold is bounded: the socket is one stream of its session
 * (LIVE_MAX_CONNECTIONS_PER_*, shared with server-sent events), carries at most
 * LIVE_MAX_SOCKET_SUBSCRIPTIONS subscriptions, and is closed with 1008 `too many messages`
 * when it sends faster than LIVE_SOCKET_MESSAGE_RATE (a token bucket per socket).
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";

import { TRPCError } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer, type WebSocket } from "ws";

import { isAuthError, mapAuthErrors, type AuthErrorCode, type LiveIdentity } from "@authkit/auth";
import {
  createSubscriptionSlots,
  type LiveConnection,
  type SessionWatch,
} from "@authkit/auth/trpc";

import type { App } from "../app";
import { appRouter } from "../root";
import { createInnerContext } from "../trpc";
import { createClientAddress } from "./client-ip";
import { normalizedPathname } from "./normalize-target";
import { isLiveSocketPath } from "./routes";
import { errorSummary, logConnection, pathOf, requestIdFrom } from "./log";
import { everyMs, startHeartbeat, type HeartbeatSchedule } from "./heartbeat";
import { createTokenBucket } from "./token-bucket";
import { headersOf, isHandshake, refuseUpgrade, ticketOf } from "./upgrade-request";

/** Client messages are subscription requests and stops: a few hundred bytes. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** Every socket is pinged this often; one that did not answer the previous ping is dropped. */
const HEARTBEAT_MS = 30_000;
/** Time for a revoked subscription to send its last `revoked` event before the socket closes. */
const FAREWELL_MS = 250;
/** Time a socket closed for its message rate gets to finish the closing handshake. */
const CLOSING_GRACE_MS = 1000;

export const CLOSE_GOING_AWAY = 1001;
/** Refused or revoked: the reason says which (`unauthorized`, `logout`, `session_expired`…). */
export const CLOSE_POLICY_VIOLATION = 1008;
/** Over a connection cap: the client may try again later. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * How a refused ticket closes the socket, per AuthError code, from the error table: what a
 * client may retry (429, 503) is 1013, everything else 1008 `unauthorized`.
 */
export const SOCKET_CLOSE = mapAuthErrors((spec): Omit<Refusal, "error"> => {
  if (spec.httpStatus === 503) return { code: CLOSE_TRY_AGAIN_LATER, reason: "unavailable" };
  if (spec.httpStatus === 429) return { code: CLOSE_TRY_AGAIN_LATER, reason: "too many requests" };
  return { code: CLOSE_POLICY_VIOLATION, reason: "unauthorized" };
}) satisfies Record<AuthErrorCode, Omit<Refusal, "error">>;

export interface LiveSocketServerOptions {
  /** When to ping the sockets: every HEARTBEAT_MS by default; tests beat by hand. */
  heartbeat?: HeartbeatSchedule;
  /** Milliseconds for the message-rate buckets (default the monotonic clock; tests freeze it). */
  now?: () => number;
}

export interface LiveSocketServer {
  /**
   * Takes an HTTP server's `upgrade` for the API's path and answers true; answers false for any
   * other path (the caller passes it on, e.g. to Next's hot reload, or destroys the socket).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Open sockets (tests: nothing is left behind). */
  readonly size: number;
  /** Closes every socket with 1001 (going away) and stops the heartbeat. */
  close(): Promise<void>;
}

/** What the adapter's `createContext` finds for an accepted upgrade. */
interface Accepted {
  connection: LiveConnection;
  clientIp: string | null;
  requestId: string;
  error?: ReturnType<typeof errorSummary>;
}

export function createLiveSocketServer(
  app: App,
  {
    heartbeat: schedule = everyMs(HEARTBEAT_MS),
    now = () => performance.now(),
  }: LiveSocketServerOptions = {},
): LiveSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // Messages are tiny; compression would only add memory per socket and a known attack surface.
    perMessageDeflate: false,
  });
  const accepted = new WeakMap<IncomingMessage, Accepted>();
  const { maxSocketSubscriptions, socketMessageRate } = app.config.live;
  const clientAddress = createClientAddress(app.config.trustProxy, "socket");

  applyWSSHandler({
    wss,
    router: appRouter,
    // A batch is one message to the rate limit: it may not carry more calls than a socket may hold.
    maxBatchSize: maxSocketSubscriptions,
    createContext: ({ req }) => {
      const entry = accepted.get(req);
      // Unreachable: only accepted upgrades are handed to the adapter.
      if (!entry) throw new TRPCError({ code: "UNAUTHORIZED" });
      return createInnerContext({
        auth: app.auth,
        settings: app.settings,
        headers: headersOf(req),
        clientIp: entry.clientIp,
        requestId: entry.requestId,
        connection: entry.connection,
      });
    },
    onError: ({ error, req }) => {
      const entry = accepted.get(req);
      if (entry && !entry.error) entry.error = errorSummary(error);
    },
  });

  const heartbeat = startHeartbeat(wss, schedule);

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    const forwardedFor = req.headers["x-forwarded-for"];
    const clientIp = clientAddress(
      req.socket.remoteAddress,
      Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor,
    );
    const ms = () => Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
    const log = (status: number, close?: number, error?: ReturnType<typeof errorSummary>) =>
      logConnection(app.logger, {
        reqId: requestId,
        // Never the query string: it carries the ticket.
        path: pathOf(req.url),
        status,
        ...(close === undefined ? {} : { close }),
        ms: ms(),
        ...(error ? { error } : {}),
      });
    socket.on("error", () => undefined);

    // Upgrades per address first: a flood is answered before it costs a database round trip.
    try {
      await app.auth.live.admitConnection(clientIp);
    } catch (error) {
      const limited = isAuthError(error, "RATE_LIMITED");
      const status = limited ? 429 : 503;
      const retryAfter = isAuthError(error) ? error.retryAfterSeconds : undefined;
      refuseUpgrade(socket, status, retryAfter);
      log(status, undefined, errorSummary(error));
      return;
    }

    // A request ws would refuse (not a WebSocket handshake) must not spend a ticket first.
    if (!isHandshake(req)) {
      refuseUpgrade(socket, 400);
      log(400);
      return;
    }

    const admitted = await admitTicket(app, ticketOf(req.url));
    // Watched from the moment the ticket is redeemed: a revocation during the handshake counts.
    const watch = "watch" in admitted ? admitted.watch : null;
    // Whatever happens to the handshake from here, a socket that goes gives its place back.
    socket.once("close", () => watch?.close());
    if (socket.destroyed) {
      watch?.close();
      return;
    }

    wss.handleUpgrade(req, socket, head, (ws) => {
      if ("refusal" in admitted) {
        const { code, reason, error } = admitted.refusal;
        ws.once("close", () => log(101, code, error));
        ws.close(code, reason);
        return;
      }
      const { live, watch } = admitted;
      const subscriptions = createSubscriptionSlots(watch, maxSocketSubscriptions);
      const entry: Accepted = { connection: { live, watch, subscriptions }, clientIp, requestId };
      accepted.set(req, entry);
      heartbeat.watch(ws);
      if (socketMessageRate) limitMessageRate(ws, createTokenBucket(socketMessageRate, now));
      let farewell: NodeJS.Timeout | undefined;
      void watch.ended.then((reason) => {
        // The subscriptions heard it too and are sending their `revoked` event: give them a moment.
        farewell = setTimeout(() => ws.close(CLOSE_POLICY_VIOLATION, reason), FAREWELL_MS);
      });
      ws.once("close", (code: number) => {
        clearTimeout(farewell);
        watch.close();
        log(101, code, entry.error);
      });
      wss.emit("connection", ws, req);
    });
  }

  return {
    handleUpgrade(req, socket, head) {
      // Every spelling of the path (`/api/./trpc`) is this route (./normalize-target).
      if (!isLiveSocketPath(normalizedPathname(req.url ?? "/"))) return false;
      void upgrade(req, socket, head).catch(() => socket.destroy());
      return true;
    },
    get size() {
      return wss.clients.size;
    },
    async close() {
      heartbeat.stop();
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of wss.clients) {
        ws.close(CLOSE_GOING_AWAY, "server shutting down");
        // A peer that does not answer the closing handshake is not waited for.
        setTimeout(() => ws.terminate(), 1000).unref();
      }
      await closed;
    },
  };
}

/**
 * Closes the socket with 1008 `too many messages` when it sends faster than its bucket allows.
 * Registered before tRPC's own listener, so it is counted before tRPC parses anything; once the
 * socket is closing tRPC starts no subscription from it, and the socket stops being read.
 */
function limitMessageRate(ws: WebSocket, bucket: ReturnType<typeof createTokenBucket>): void {
  const onMessage = () => {
    if (bucket.take()) return;
    ws.off("message", onMessage);
    ws.close(CLOSE_POLICY_VIOLATION, "too many messages");
    ws.pause();
    // A peer that keeps sending instead of answering the close is not waited for.
    setTimeout(() => ws.terminate(), CLOSING_GRACE_MS).unref();
  };
  ws.on("message", onMessage);
}

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Serves live subscriptions on `server`'s upgrades to /api/trpc. Other upgrades go to
 * `fallback` (Next's hot-reload socket in `pnpm dev`), or are refused.
 */
export function attachLiveSockets(
  server: Server,
  app: App,
  { fallback, ...options }: LiveSocketServerOptions & { fallback?: UpgradeListener } = {},
): LiveSocketServer {
  const sockets = createLiveSocketServer(app, options);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (sockets.handleUpgrade(req, socket, head)) return;
    if (fallback) fallback(req, socket, head);
    else socket.destroy();
  });
  return sockets;
}

export interface Refusal {
  code: number;
  reason: string;
  error?: ReturnType<typeof errorSummary>;
}

/**
 * Redeems the upgrade's ticket, then takes the socket's place among its session's and user's
 * live streams (server-sent events included): the watch that closes it on a revocation.
 */
async function admitTicket(
  app: App,
  ticket: string,
): Promise<{ live: LiveIdentity; watch: SessionWatch } | { refusal: Refusal }> {
  let live: LiveIdentity;
  try {
    live = await app.auth.live.redeemTicket(ticket);
  } catch (error) {
    const close = isAuthError(error) ? SOCKET_CLOSE[error.code] : SOCKET_CLOSE.UNAVAILABLE;
    return { refusal: { ...close, error: errorSummary(error) } };
  }
  try {
    return { live, watch: app.auth.live.watch(live) };
  } catch (error) {
    const summary = errorSummary(error);
    return {
      refusal: { code: CLOSE_TRY_AGAIN_LATER, reason: "too many connections", error: summary },
    };
  }
}
