import { isUnauthorized } from "./errors";
import { revocationAction, socketCause } from "./revocation-action";
import { subscribeOverSocket } from "./socket";
import {
  createTicketedSubscription,
  type SubscriptionEnd,
  type AfterEnd,
  type TicketedSubscription,
} from "./subscription";
import type { SessionEventsOptions, SessionEventsStatus, LiveTransport } from "./session-events";
import type { SessionEndCause, SessionEvent } from "./types";

/** The `session.events` stream of one tab: a ticketed subscription that acts on revocations. */
export interface SessionStream extends Pick<TicketedSubscription, "start" | "stop"> {
  /** The transport of the current (or last) connection; null before the first. */
  readonly transport: LiveTransport | null;
}

/**
 * A `logout` revocation is almost always this browser's own "Log out", which signs every tab out
 * by itself a moment later: it gets `logoutGraceMs` before the stream signs the tabs out.
 */
function signOutWithGrace(
  tokens: SessionEventsOptions["tokens"],
  logoutGraceMs: number,
): { signOut(cause: SessionEndCause): void; cancel(): void } {
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  return {
    signOut(cause) {
      if (cause === "logout" && logoutGraceMs > 0) {
        clearTimeout(graceTimer);
        graceTimer = setTimeout(() => {
          if (tokens.getState().status === "signedIn") tokens.forget("ended", cause);
        }, logoutGraceMs);
        return;
      }
      tokens.forget("ended", cause);
    },
    cancel: () => clearTimeout(graceTimer),
  };
}

/**
 * After the stream ended: stop when the session is dead or signed out, retry after anything
 * else. A cause that may leave the session alive (or UNAUTHORIZED without a word) is checked with
 * one refresh: a new token means a new stream, a refused one has signed every tab out.
 */
async function decideAfterEnd(
  tokens: SessionEventsOptions["tokens"],
  cause: SessionEndCause | null,
  { phase, error }: SubscriptionEnd,
): Promise<AfterEnd> {
  if (cause && revocationAction(cause) === "signOut") return "stop";
  if (!cause && !(phase === "stream" && isUnauthorized(error))) return "retry";
  const stale = await tokens.getAccessToken();
  if (!stale) return "stop";
  const fresh = await tokens.refresh(stale);
  if (fresh) return "retry";
  // The refused refresh signed every tab out; now they also learn why.
  if (cause) tokens.forget("ended", cause);
  return "stop";
}

/** Opens `session.events` with a fresh ticket per connection, over SSE or a WebSocket. */
export function createSessionStream(
  options: SessionEventsOptions,
  setStatus: (status: SessionEventsStatus) => void,
): SessionStream {
  const { tokens, client } = options;
  const exit = signOutWithGrace(tokens, options.logoutGraceMs ?? 1_000);
  /** The `revoked` cause the current connection announced. */
  let revoked: SessionEndCause | null = null;
  let transport: LiveTransport | null = null;
  const heard = (cause: SessionEndCause) => {
    revoked = cause;
    if (revocationAction(cause) === "signOut") exit.signOut(cause);
  };

  const stream = createTicketedSubscription<SessionEvent>({
    ...pickBackoff(options),
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
      if (event.type === "revoked" && !revoked) heard(event.reason);
    },
    onEnd: (end) => {
      if (tokens.getState().status !== "signedIn") return "stop";
      // Over a WebSocket, a 1008 close names the cause should the event itself have been lost.
      const closedFor = revoked ? null : socketCause(end.error);
      if (closedFor) heard(closedFor);
      return decideAfterEnd(tokens, revoked, end);
    },
    onStatus: (next) => {
      if (next === "connecting") setStatus("connecting");
      else if (next === "waiting") setStatus("retrying");
      // Stopped itself: the session is over and the sign-out on its way.
      else if (next === "idle") setStatus("off");
      // "open": "live" comes with the server's `connected` event, once it watches the session.
    },
  });
  return {
    get transport() {
      return transport;
    },
    start: () => stream.start(),
    stop() {
      exit.cancel();
      stream.stop();
    },
  };
}

const pickBackoff = ({ backoff, stableAfterMs, onOnline, random, now }: SessionEventsOptions) => ({
  backoff,
  stableAfterMs,
  onOnline,
  random,
  now,
});
