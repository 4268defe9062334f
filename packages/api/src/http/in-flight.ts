import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The requests a node server is answering, and whether it is draining (shutting down). Readiness
 * answers 503 while draining; the shutdown waits until `settled()`. Live streams (server-sent
 * events) are requests too, ended by `endStreams()` so that their clients reconnect elsewhere.
 */
export interface InFlight {
  readonly draining: boolean;
  /** Requests not yet answered (streams included). */
  readonly count: number;
  /** Open server-sent event streams. */
  readonly streams: number;
  track(req: IncomingMessage, res: ServerResponse): void;
  /** Marks a response as a live stream (ended by `endStreams`). */
  stream(res: ServerResponse): void;
  startDraining(): void;
  /** Ends every live stream: the client sees the stream end and reconnects. */
  endStreams(): void;
  /** Resolves once nothing is in flight (after `startDraining`). */
  settled(): Promise<void>;
}

export function createInFlight(): InFlight {
  let draining = false;
  let count = 0;
  const answering = new Set<ServerResponse>();
  const streams = new Set<ServerResponse>();
  let waiters: (() => void)[] = [];
  const wake = () => {
    if (count > 0) return;
    for (const waiter of waiters) waiter();
    waiters = [];
  };
  return {
    get draining() {
      return draining;
    },
    get count() {
      return count;
    },
    get streams() {
      return streams.size;
    },
    track(_req, res) {
      count++;
      answering.add(res);
      // A connection that answers during the drain is closed after the answer, not kept alive.
      if (draining) res.shouldKeepAlive = false;
      res.once("close", () => {
        count--;
        answering.delete(res);
        streams.delete(res);
        wake();
      });
    },
    stream(res) {
      if (draining) res.end();
      else streams.add(res);
    },
    startDraining() {
      draining = true;
      for (const res of answering) if (!res.headersSent) res.shouldKeepAlive = false;
    },
    endStreams() {
      for (const res of streams) res.end();
      streams.clear();
    },
    settled() {
      if (count === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
