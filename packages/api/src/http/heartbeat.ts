import type { WebSocket, WebSocketServer } from "ws";

/**
 * When the heartbeat beats: calls `beat` from now on and returns the function that stops it.
 * The server beats on a timer (`everyMs`); a test beats by hand, so that whether a socket
 * answered is decided by what it did, not by how fast a loaded machine ran the timer.
 */
export type HeartbeatSchedule = (beat: () => void) => () => void;

/** A beat every `periodMs`, on a timer that never keeps the process alive. */
export function everyMs(periodMs: number): HeartbeatSchedule {
  return (beat) => {
    const timer = setInterval(beat, periodMs);
    timer.unref();
    return () => clearInterval(timer);
  };
}

/**
 * Pings every watched socket on each beat and drops one that did not answer the previous ping:
 * a peer gone without a closing handshake (a phone that lost its network) is reaped. Browsers
 * answer protocol pings by themselves (so do `ws` and Python's `websockets`).
 */
export function startHeartbeat(wss: WebSocketServer, schedule: HeartbeatSchedule) {
  const alive = new WeakSet<WebSocket>();
  const stop = schedule(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  });
  return {
    /** Sockets the server has not accepted yet (refusals) are never watched. */
    watch(ws: WebSocket): void {
      alive.add(ws);
      ws.on("pong", () => alive.add(ws));
    },
    stop,
  };
}
