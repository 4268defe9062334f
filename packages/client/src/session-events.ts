/**
 * Live sessions in the browser: while signed in, keeps a `session.events` stream open (one per
 * browser: the tabs elect a holder through a Web Lock, and the token manager already shares
 * every outcome with the other tabs), and acts the moment the server says the session died:
 *
 *   const events = createSessionEvents({ tokens, client: trpc }); // follows sign-in and sign-out
 *   // tokens.getState() → { status: "signedOut", reason: "ended", cause: "logout_all" }
 *   events.stop();
 *
 * - `revoked` with logout, logout_all, password_changed, session_revoked or session_expired:
 *   every tab is signed out (`tokens.forget("ended", cause)`), the cause in its state.
 * - `revoked` with role_changed, refresh_token_reused or token_version_changed, or the stream ending with UNAUTHORIZED
 *   without a word: the session may be alive with only the user's token version raised (a role
 *   change; a replayed refresh token of ANOTHER session). One refresh tells: a new token (new
 *   role) and a new stream, or a refused refresh, which signs every tab out.
 * - Anything else (network, server restart, a refused ticket): a new ticket after a backoff. A
 *   401 on `auth.ticket` goes through the link's refresh; a refused refresh signs out and stops.
 *
 * Transport: server-sent events through the tRPC client's subscription link, or a WebSocket
 * (`transport: "ws"`, see ./socket): by default whichever the server's ticket answer names
 * (its LIVE_TRANSPORT), else SSE. Over a WebSocket a socket closed with 1008 and a cause as its
 * reason counts as that cause's `revoked` event, should the event itself not have arrived.
 */
import type { Unsubscribable } from "@trpc/server/observable";

import type { AuthClient } from "./auth-client";
import { isSessionEndCause } from "./channel";
import { isUnauthorized } from "./errors";
import { browserLocks, type LockManagerLike } from "./lock";
import {
  LiveSocketClosed,
  POLICY_VIOLATION,
  subscribeOverSocket,
  type WebSocketConstructor,
} from "./socket";
import {
  createTicketedSubscription,
  type SubscriptionHandlers,
  type TicketedSubscriptionOptions,
} from "./subscription";
import type { SessionEndCause, SessionEvent } from "./types";

/** The slice of a `TRPCClient<AppRouter>` used here. */
export interface SessionEventsClient {
  auth: { ticket: { mutate(): Promise<TicketAnswer> } };
  session: {
    events: {
      subscribe(
        input: { ticket?: string },
        handlers: SubscriptionHandlers<SessionEvent>,
      ): Unsubscribable;
    };
  };
}

/** What `auth.ticket` answers; `transport` is the server's LIVE_TRANSPORT. */
export interface TicketAnswer {
  ticket: string;
  expiresIn: number;
  transport?: LiveTransport;
}

export type LiveTransport = "sse" | "ws";

export type SessionEventsStatus =
  /** Signed out (or stopped): no stream. */
  | "off"
  /** Signed in; another tab of this browser holds the stream. */
  | "standby"
  | "connecting"
  /** The server is watching this session for us. */
  | "live"
  /** Waiting out the backoff before reconnecting. */
  | "retrying";

export interface SessionEventsOptions extends Pick<
  TicketedSubscriptionOptions<SessionEvent>,
  "backoff" | "stableAfterMs" | "onOnline" | "random" | "now"
> {
  tokens: Pick<AuthClient, "getState" | "subscribe" | "getAccessToken" | "refresh" | "forget">;
  client: SessionEventsClient;
  /** One stream per browser through this lock; default `navigator.locks`, `null` for one per tab. */
  locks?: LockManagerLike | null;
  /** Name of the lock (suffixed `:events`); the token manager's name by default. */
  name?: string;
  onStatus?: (status: SessionEventsStatus) => void;
  /** Default: the one the ticket answer names (the server's LIVE_TRANSPORT), else "sse". */
  transport?: LiveTransport;
  /** For the WebSocket transport: the API's tRPC URL (default "/api/trpc") and the constructor. */
  socket?: { url?: string; WebSocket?: WebSocketConstructor };
  /**
   * A `logout` revocation is almost always this browser's own "Log out", which signs every tab
   * out by itself a moment later ("you're signed out", not "signed out elsewhere"). It gets this
   * long to do so before the stream signs the tabs out.
   */
  logoutGraceMs?: number;
}

export interface SessionEvents {
  readonly status: SessionEventsStatus;
  /** The transport of the current (or last) connection; null before the first. */
  readonly transport: LiveTransport | null;
  stop(): void;
}

/**
 * What a `revoked` event means: `signOut` when the session itself is dead, `verify` when only
 * the user's token version may have moved (role change; refresh-token reuse detected on another
 * session of the user) and a refresh tells whether this session lives on.
 */
export function revocationAction(cause: SessionEndCause): "signOut" | "verify" {
  return SESSION_DEAD.has(cause) ? "signOut" : "verify";
}

/** Causes that mean this session itself is dead; anything else is checked with a refresh. */
const SESSION_DEAD: ReadonlySet<SessionEndCause> = new Set<SessionEndCause>([
  "logout",
  "logout_all",
  "password_changed",
  "session_revoked",
  "session_expired",
]);

/**
 * How long a tab that stops keeps the stream's lock: a sign-out reaches the other tabs over the
 * channel a moment after the lock could, and a tab must not take over a dead session's stream.
 */
const HANDOVER_GRACE_MS = 100;

export function createSessionEvents(options: SessionEventsOptions): SessionEvents {
  const { tokens, client } = options;
  const locks = options.locks === undefined ? browserLocks() : options.locks;
  const lockName = `${options.name ?? "authkit-auth"}:events`;
  const logoutGraceMs = options.logoutGraceMs ?? 1_000;

  let status: SessionEventsStatus = "off";
  /** The user whose session is being watched; null while signed out. */
  let watching: string | null = null;
  /** Aborts the wait for the lock, or releases it once held. */
  let leadership: AbortController | null = null;
  /** The `revoked` cause the current connection announced. */
  let revoked: SessionEndCause | null = null;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let transport: LiveTransport | null = null;

  const setStatus = (next: SessionEventsStatus) => {
    if (status === next) return;
    status = next;
    options.onStatus?.(next);
  };
  const signedIn = () => tokens.getState().status === "signedIn";

  function signOut(cause: SessionEndCause): void {
    if (cause === "logout" && logoutGraceMs > 0) {
      clearTimeout(graceTimer);
      graceTimer = setTimeout(() => {
        if (signedIn()) tokens.forget("ended", cause);
      }, logoutGraceMs);
      return;
    }
    tokens.forget("ended", cause);
  }

  const stream = createTicketedSubscription<SessionEvent>({
    backoff: options.backoff,
    stableAfterMs: options.stableAfterMs,
    onOnline: options.onOnline,
    random: options.random,
    now: options.now,
    getTicket: async () => {
      revoked = null;
      const answer = await client.auth.ticket.mutate();
      transport = options.transport ?? answer.transport ?? "sse";
      return answer.ticket;
    },
    subscribe: (ticket, handlers) =>
      transport === "ws"
        ? subscribeOverSocket(ticket, handlers, {
            url: options.socket?.url ?? "/api/trpc",
            path: "session.events",
            WebSocket: options.socket?.WebSocket,
          })
        : client.session.events.subscribe({ ticket }, handlers),
    onData: (event) => {
      if (event.type === "connected") setStatus("live");
      if (event.type !== "revoked" || revoked) return;
      revoked = event.reason;
      if (revocationAction(event.reason) === "signOut") signOut(event.reason);
    },
    onEnd: async ({ phase, error }) => {
      if (!signedIn()) return "stop";
      if (!revoked) {
        const closedFor = socketCause(error);
        if (closedFor) {
          revoked = closedFor;
          if (revocationAction(closedFor) === "signOut") signOut(closedFor);
        }
      }
      const cause = revoked;
      if (cause && revocationAction(cause) === "signOut") return "stop";
      if (!cause && !(phase === "stream" && isUnauthorized(error))) return "retry";
      // The session may be alive with only the token version raised: one refresh tells.
      const stale = await tokens.getAccessToken();
      if (!stale) return "stop";
      const fresh = await tokens.refresh(stale);
      if (fresh) return "retry";
      // The refused refresh signed every tab out; now they also learn why.
      if (cause) tokens.forget("ended", cause);
      return "stop";
    },
    onStatus: (next) => {
      if (next === "connecting") setStatus("connecting");
      else if (next === "waiting") setStatus("retrying");
      // Stopped itself: the session is over and the sign-out on its way.
      else if (next === "idle") setStatus("off");
      // "open": "live" comes with the server's `connected` event, once it watches the session.
    },
  });

  function begin(userId: string): void {
    watching = userId;
    if (!locks) {
      stream.start();
      return;
    }
    const claim = new AbortController();
    leadership = claim;
    setStatus("standby");
    locks
      .request(lockName, { signal: claim.signal }, () => {
        if (leadership !== claim) return Promise.resolve();
        stream.start();
        // Held until this tab signs out, stops or closes; then the next tab takes over.
        return new Promise<void>((release) =>
          claim.signal.addEventListener("abort", () => release(), { once: true }),
        );
      })
      .catch(() => {
        // Aborted while waiting for the lock: signed out, or stopped.
      });
  }

  function halt(): void {
    watching = null;
    const claim = leadership;
    leadership = null;
    if (claim) setTimeout(() => claim.abort(), HANDOVER_GRACE_MS);
    clearTimeout(graceTimer);
    stream.stop();
    setStatus("off");
  }

  const follow = () => {
    if (stopped) return;
    const state = tokens.getState();
    const userId = state.status === "signedIn" ? state.user.id : null;
    if (userId === watching) return;
    halt();
    if (userId) begin(userId);
  };
  const unsubscribe = tokens.subscribe(follow);
  follow();

  return {
    get status() {
      return status;
    },
    get transport() {
      return transport;
    },
    stop() {
      stopped = true;
      unsubscribe();
      halt();
    },
  };
}

/** The cause a socket closed with 1008 names (`logout`, `session_expired`…); null otherwise. */
function socketCause(error: unknown): SessionEndCause | null {
  if (!(error instanceof LiveSocketClosed) || error.code !== POLICY_VIOLATION) return null;
  // `unauthorized` (a refused ticket) names no cause: it is retried with a new ticket.
  return isSessionEndCause(error.reason) ? error.reason : null;
}
