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
import { browserLocks, type LockManagerLike } from "./lock";
import { createSessionStream } from "./session-stream";
import type { WebSocketConstructor } from "./socket";
import type { SubscriptionHandlers, TicketedSubscriptionOptions } from "./subscription";
import type { SessionEvent } from "./types";

export { revocationAction } from "./revocation-action";

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
 * How long a tab that stops keeps the stream's lock: a sign-out reaches the other tabs over the
 * channel a moment after the lock could, and a tab must not take over a dead session's stream.
 */
const HANDOVER_GRACE_MS = 100;

/**
 * One stream per browser: the tab that gets the Web Lock runs `start` and holds the lock until
 * `release` (sign-out, stop, the tab closing); the next tab in line then takes over. Without
 * locks every tab runs its own.
 */
function leadership(
  locks: LockManagerLike | null,
  lockName: string,
): { claim(start: () => void): void; release(): void } {
  let current: AbortController | null = null;
  return {
    claim(start) {
      if (!locks) return start();
      const claim = new AbortController();
      current = claim;
      locks
        .request(lockName, { signal: claim.signal }, () => {
          if (current !== claim) return Promise.resolve();
          start();
          return new Promise<void>((release) =>
            claim.signal.addEventListener("abort", () => release(), { once: true }),
          );
        })
        .catch(() => {
          // Aborted while waiting for the lock: signed out, or stopped.
        });
    },
    release() {
      const claim = current;
      current = null;
      if (claim) setTimeout(() => claim.abort(), HANDOVER_GRACE_MS);
    },
  };
}

export function createSessionEvents(options: SessionEventsOptions): SessionEvents {
  const { tokens } = options;
  const locks = options.locks === undefined ? browserLocks() : options.locks;
  const lead = leadership(locks, `${options.name ?? "authkit-auth"}:events`);
  let status: SessionEventsStatus = "off";
  /** The user whose session is being watched; null while signed out. */
  let watching: string | null = null;
  let stopped = false;

  const setStatus = (next: SessionEventsStatus) => {
    if (status === next) return;
    status = next;
    options.onStatus?.(next);
  };
  const stream = createSessionStream(options, setStatus);

  function halt(): void {
    watching = null;
    lead.release();
    stream.stop();
    setStatus("off");
  }
  const follow = () => {
    if (stopped) return;
    const state = tokens.getState();
    const userId = state.status === "signedIn" ? state.user.id : null;
    if (userId === watching) return;
    halt();
    if (!userId) return;
    watching = userId;
    if (locks) setStatus("standby");
    lead.claim(() => stream.start());
  };
  const unsubscribe = tokens.subscribe(follow);
  follow();

  return {
    get status() {
      return status;
    },
    get transport() {
      return stream.transport;
    },
    stop() {
      stopped = true;
      unsubscribe();
      halt();
    },
  };
}
