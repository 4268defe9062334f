import { AuthError } from "./errors";
import type { SessionWatch, StreamEndReason } from "./live";
import { createWatchHandle, WATCH_CLOSED } from "./watch-handle";

/**
 * The subscriptions one WebSocket carries. The socket's own watch (one stream of
 * ./session-watchers) is the only one that listens for revocations; each subscription gets a
 * watch that follows it, which costs no listener, timer or query of its own.
 */
export interface SubscriptionSlots {
  /** A watch for one more subscription: RATE_LIMITED when LIVE_MAX_SOCKET_SUBSCRIPTIONS are open. */
  open(): SessionWatch;
  /** Subscriptions open now. */
  readonly size: number;
}

export function createSubscriptionSlots(connection: SessionWatch, max: number): SubscriptionSlots {
  let size = 0;
  return {
    open() {
      if (size >= max) throw new AuthError("RATE_LIMITED");
      size++;
      // Removed when the subscription finishes: a long-lived socket keeps nothing of past ones.
      const follow = () => {
        const reason: unknown = connection.signal.reason;
        if (reason === WATCH_CLOSED) handle.watch.close();
        else handle.end(reason as StreamEndReason);
      };
      const handle = createWatchHandle(() => {
        size--;
        connection.signal.removeEventListener("abort", follow);
      });
      if (connection.signal.aborted) follow();
      else connection.signal.addEventListener("abort", follow, { once: true });
      return handle.watch;
    },
    get size() {
      return size;
    },
  };
}
