import type { WebSocket, WebSocketServer } from "ws";

/**
 * Pings every watched socket each period and drops one that did not answer the previous ping:
 * a peer gone without a closing handshake (a phone that lost its network) is reaped. Browsers
 * answer protocol pings by themselves (so do `ws` and Python's `websockets`).
 */
export function startHeartbeat(wss: WebSocketServer, periodMs: number) {
  const alive = new WeakSet<WebSocket>();
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, periodMs);
  timer.unref();
  return {
    /** Sockets the server has not accepted yet (refusals) are never watched. */
    watch(ws: WebSocket): void {
      alive.add(ws);
      ws.on("pong", () => alive.add(ws));
    },
    stop: () => clearInterval(timer),
  };
}
