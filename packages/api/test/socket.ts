import WebSocket, { type ClientOptions } from "ws";

import { arrivals } from "./arrivals";

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
  waitFor(predicate: (m: TrpcMessage) => boolean): Promise<TrpcMessage>;
  close(): void;
}

export const socketUrl = (base: string, ticket?: string) =>
  `${base.replace(/^http/, "ws")}/api/trpc${ticket === undefined ? "" : `?ticket=${encodeURIComponent(ticket)}`}`;

export function openSocket(url: string, options: ClientOptions = {}): LiveSocket {
  const ws = new WebSocket(url, options);
  const received = arrivals<TrpcMessage>("message");
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
      received.end();
      resolve({ code, reason: reason.toString() });
    });
    // A refused upgrade never opens, so it never closes either.
    ws.once("unexpected-response", () => {
      received.end();
      resolve({ code: 1006, reason: "" });
    });
  });
  ws.on("error", () => undefined);
  ws.on("message", (data, isBinary) => {
    const text = isBinary ? "" : (data as Buffer).toString();
    if (text === "PING" || text === "PONG") return;
    received.push(JSON.parse(text) as TrpcMessage);
  });
  const send = (data: unknown) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(data));
  };
  return {
    ws,
    messages: received.items,
    opened,
    closed,
    send,
    subscribe: (id, path, input = {}) =>
      send({ id, jsonrpc: "2.0", method: "subscription", params: { path, input } }),
    close: () => ws.close(1000),
    waitFor: received.waitFor,
  };
}

/** The subscription's `data` events' payloads. */
export const dataOf = (m: TrpcMessage) => (m.result?.type === "data" ? m.result.data : undefined);
export const isConnected = (m: TrpcMessage) =>
  (dataOf(m) as { type?: string } | undefined)?.type === "connected";
export const isRevoked = (m: TrpcMessage) =>
  (dataOf(m) as { type?: string } | undefined)?.type === "revoked";
export const isError = (m: TrpcMessage) => m.error !== undefined;
