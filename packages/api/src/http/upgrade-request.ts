/** The parts of an HTTP upgrade request the WebSocket server reads before `ws` takes over. */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

/** Answers an upgrade with a plain HTTP error and ends the connection. */
export function refuseUpgrade(socket: Duplex, status: 400 | 429 | 503, retryAfter?: number): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\n` +
      (retryAfter ? `Retry-After: ${retryAfter}\r\n` : "") +
      "Connection: close\r\nContent-Length: 0\r\n\r\n",
  );
}

/** What `ws` checks before it upgrades (method, headers, key, version), checked first. */
export function isHandshake(req: IncomingMessage): boolean {
  const key = req.headers["sec-websocket-key"];
  return (
    req.method === "GET" &&
    req.headers.upgrade?.toLowerCase() === "websocket" &&
    typeof key === "string" &&
    /^[+/0-9A-Za-z]{22}==$/.test(key) &&
    ["8", "13"].includes(req.headers["sec-websocket-version"] ?? "")
  );
}

/** The `ticket` query parameter, or "" (refused like a made-up one). */
export function ticketOf(url: string | undefined): string {
  const query = url?.indexOf("?") ?? -1;
  if (!url || query < 0) return "";
  return new URLSearchParams(url.slice(query + 1)).get("ticket") ?? "";
}

export function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}
