import { expect } from "vitest";

import { arrivals } from "./arrivals";
import { call } from "./harness";

/** A minimal server-sent-events reader over fetch, for tests: what an EventSource would see. */
export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseStream {
  status: number;
  contentType: string | null;
  headers: Headers;
  events: SseEvent[];
  /** Resolves with the first event (past or future) matching the predicate. */
  waitFor(predicate: (e: SseEvent) => boolean): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  closed: Promise<void>;
  close(): void;
}

export async function openSse(url: string): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    signal: controller.signal,
    headers: { accept: "text/event-stream" },
  });
  const received = arrivals<SseEvent>("event");
  const closed = (async () => {
    if (!response.body) return;
    if (!response.headers.get("content-type")?.includes("text/event-stream")) {
      await response.body.cancel();
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trim());
          }
          if (data.length === 0) continue;
          received.push({ event, data: JSON.parse(data.join("\n")) as unknown });
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      received.end();
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    headers: response.headers,
    events: received.items,
    closed,
    close: () => controller.abort(),
    waitFor: received.waitFor,
  };
}

export const subscriptionUrl = (base: string, path: string, input: unknown) =>
  `${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;

export const isError = (e: SseEvent) => e.event === "serialized-error";
export const errorCode = (e: SseEvent) => (e.data as { data: { code: string } }).data.code;
export const isRevoked = (e: SseEvent) => (e.data as { type?: string }).type === "revoked";

/** A fresh single-use ticket from `auth.ticket`, checked for its documented shape. */
export async function ticketFor(base: string, token: string): Promise<string> {
  const result = await call<{ ticket: string; expiresIn: number }>(
    base,
    "mutation",
    "auth.ticket",
    { token },
  );
  expect(result.status).toBe(200);
  expect(result.data.expiresIn).toBe(30);
  expect(result.data.ticket.length).toBeGreaterThanOrEqual(22);
  return result.data.ticket;
}
