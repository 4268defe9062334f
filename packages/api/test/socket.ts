import WebSocket, { type ClientOptions } from "ws";

/** A tRPC-over-WebSocket reader for tests, on the `ws` client: what a browser's socket would see. */
export interface TrpcMessage {
  id?: number | string | null;
  result?: { type: "started" | "data" | "stopped"; data?: unknown };
  error?: { message: string; code: number; data: { code: string } };
}

export interface LiveSocket {
  ws: WebSocket;
  /** Every message the server sent, parsed. */
  messages: TrpcMessage[];
  /** Resolves on open, or with the refusal's HTTP status (429, 503) when the upgrade is refused. */
  opened: Promise<{ status: number }>;
  /** Resolves with the close code and reason, whoever closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Sends a tRPC subscription request. */
  subscribe(id: number, path: string, input?: unknown): void;
  send(data: unknown): void;
  /** Resolves with the first message (past or future) matching the predicate. */
  waitFor(predicate: (m: TrpcMessage) => boolean, timeoutMs?: number): Promise<TrpcMessage>;
  close(): void;
}

export const socketUrl = (base: string, ticket?: string) =>
  `${base.replace(/^http/, "ws")}/api/trpc${ticket === undefined ? "" : `?ticket=${encodeURIComponent(ticket)}`}`;

export function openSocket(url: string, options: ClientOptions = {}): LiveSocket {
  const ws = new WebSocket(url, options);
  const messages: TrpcMessage[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const opened = new Promise<{ status: number }>((resolve, reject) => {
    ws.once("open", () => resolve({ status: 101 }));
    ws.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
    });
    ws.once("error", (error) => reject(error));
  });
  opened.catch(() => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once("close", (code, reason) => {
      ended = true;
      for (const wake of waiters) wake();
      resolve({ code, reason: reason.toString() });
    });
    // A refused upgrade never opens, so it never closes either.
    ws.once("unexpected-response", () => {
      ended = true;
      for (const wake of waiters) wake();
      resolve({ code: 1006, reason: "" });
    });
  });
  ws.on("error", () => undefined);
  ws.on("message", (data, isBinary) => {
    const text = isBinary ? "" : (data as Buffer).toString();
    if (text === "PING" || text === "PONG") return;
    messages.push(JSON.parse(text) as TrpcMessage);
    for (const wake of waiters) wake();
  });
  const send = (data: unknown) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(data));
  };
  return {
    ws,
    messages,
    opened,
    closed,
    send,
    subscribe: (id, path, input = {}) =>
      send({ id, jsonrpc: "2.0", method: "subscription", params: { path, input } }),
    close: () => ws.close(1000),
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (ended) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`socket closed without the message; got ${JSON.stringify(messages)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

/** The subscription's `data` events' payloads. */
export const dataOf = (m: TrpcMessage) => (m.result?.type === "data" ? m.result.data : undefined);
export const isConnected = (m: TrpcMessage) =>
  (dataOf(m) as { type?: string } | undefined)?.type === "connected";
export const isRevoked = (m: TrpcMessage) =>
  (dataOf(m) as { type?: string } | undefined)?.type === "revoked";
export const isError = (m: TrpcMessage) => m.error !== undefined;

/** Resolves with the close, or rejects when it has not come within `timeoutMs`. */
export function closedWithin(
  socket: LiveSocket,
  timeoutMs: number,
): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`socket still open after ${timeoutMs} ms`)),
      timeoutMs,
    );
    void socket.closed.then((result) => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}
