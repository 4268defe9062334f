/**
 * The WebSocket transport of `createSessionEvents` against the real API server over real sockets
 * (Node's `ws` standing in for the browser's WebSocket): it follows the server's LIVE_TRANSPORT,
 * brings a fresh ticket to every connection, retries a refused one, and signs out with the
 * server's cause. Nothing of the server is faked; no timer is waited on, only conditions: every
 * wait ends when something the client or the server did is recorded, and the tests' time limit
 * is only a backstop for a hang, wide enough for a machine under any load.
 */
import { createTRPCClient } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

import { createApp, type AppRouter } from "@authkit/api";
import { serveApi, type ApiServer } from "@authkit/api/server";
import { loadConfig } from "@authkit/config";
import { createTestDatabase, databaseKinds, type TestDatabase } from "@authkit/db/testing";

import { authLinks } from "../src/link";
import { createTicketedSubscription } from "../src/subscription";
import { createSessionEvents, type SessionEventsOptions } from "../src/session-events";
import { socketUrl, subscribeOverSocket } from "../src/socket";
import type { AuthState, SessionEndCause, SessionEvent } from "../src/types";

const SECRET = "5b8e1d4c7a0f3e6b9d2c5a8f1e4b7d0a3c6f9e2b5d8a1c4f7e0b3d6a9c2f5e8b";

/** A backstop against a hang, not a measurement: argon2 and a real server on a loaded machine. */
const HANG_MS = 300_000;

/** What happened, in order; `until` resolves once the record satisfies a check. */
class Recorder<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.waiters]) waiter();
  }

  until(check: (items: readonly T[]) => boolean): Promise<void> {
    if (check(this.items)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = () => {
        if (!check(this.items)) return;
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }
}

let db: TestDatabase;
let api: ApiServer;
let base: string;

beforeAll(async () => {
  const kinds = await databaseKinds();
  db = await createTestDatabase(kinds.includes("postgresql") ? "postgresql" : "pglite");
  const config = loadConfig(
    {
      NODE_ENV: "test",
      AUTH_SECRET: SECRET,
      APP_URL: "http://app.test",
      LOG_LEVEL: "silent",
      PORT: "0",
      LIVE_TRANSPORT: "ws",
    },
    { warn: () => undefined },
  );
  api = await serveApi(await createApp(config, { db }));
  base = api.url;
}, HANG_MS);
afterAll(async () => {
  await api?.close();
  await db?.destroy();
});

async function post<T>(path: string, input: unknown, token?: string): Promise<T> {
  const response = await fetch(`${base}/api/trpc/${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: { data: T } };
  if (!response.ok || !body.result) throw new Error(`${path}: ${response.status}`);
  return body.result.data;
}

/** A signed-in token manager as far as the watcher needs one; `forget` is what it did. */
async function signedIn() {
  const email = `ws-client-${Date.now()}-${Math.random()}@example.com`;
  const password = "correct horse battery";
  await post("auth.register", { email, password, name: "Socket" });
  const session = await post<{ accessToken: string; user: AuthState["user"] }>("auth.login", {
    email,
    password,
  });
  let state: AuthState = { status: "signedIn", user: session.user!, reason: null };
  const listeners = new Set<() => void>();
  const forgotten = new Recorder<[string | undefined, SessionEndCause | undefined]>();
  const tokens: SessionEventsOptions["tokens"] = {
    getState: () => state,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    getAccessToken: () => Promise.resolve(state.status === "signedIn" ? session.accessToken : null),
    refresh: () => Promise.resolve(null),
    forget: (reason = "logout", cause) => {
      forgotten.push([reason, cause]);
      state = { status: "signedOut", user: null, reason, ...(cause ? { cause } : {}) };
      for (const listener of listeners) listener();
    },
  };
  const client = createTRPCClient<AppRouter>({
    links: authLinks({
      tokens: {
        getAccessToken: tokens.getAccessToken,
        afterUnauthorized: () => Promise.resolve(null),
      },
      url: `${base}/api/trpc`,
    }),
  });
  return { accessToken: session.accessToken, tokens, client, forgotten };
}

/**
 * `ws` as the browser's WebSocket, recording every URL; the first ticket is spoiled on request,
 * and messages matching `drop` never reach the client.
 */
function recordingWebSocket({
  spoilFirst = false,
  drop,
}: { spoilFirst?: boolean; drop?: RegExp } = {}) {
  const urls: string[] = [];
  const dropped: string[] = [];
  let spoil = spoilFirst;
  class RecordingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      let target = String(url);
      if (spoil) {
        spoil = false;
        target = target.replace(/ticket=[^&]+/, "ticket=spoiled");
      }
      urls.push(target);
      super(target, protocols);
    }
    // Every listener, tRPC's addEventListener("message") included, hears what `emit` passes on.
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === "message" && drop?.test(String(args[0]))) {
        dropped.push(String(args[0]));
        return false;
      }
      return super.emit(event, ...args);
    }
  }
  return {
    urls,
    dropped,
    WebSocket: RecordingWebSocket as unknown as typeof globalThis.WebSocket,
  };
}

describe("session events over WebSocket", { timeout: HANG_MS }, () => {
  it("builds ws(s) URLs with the ticket, from a relative or absolute API URL", () => {
    expect(socketUrl("/api/trpc", "t1", "https://app.example/sessions")).toBe(
      "wss://app.example/api/trpc?ticket=t1",
    );
    expect(socketUrl("http://127.0.0.1:3000/api/trpc", "a+b/c")).toBe(
      "ws://127.0.0.1:3000/api/trpc?ticket=a%2Bb%2Fc",
    );
  });

  it("follows the server's LIVE_TRANSPORT, retries a refused ticket with a fresh one, and signs out with the cause", async ({
    annotate,
  }) => {
    const user = await signedIn();
    const socket = recordingWebSocket({ spoilFirst: true });
    const statuses = new Recorder<string>();
    const events = createSessionEvents({
      tokens: user.tokens,
      client: user.client,
      locks: null,
      onOnline: null,
      backoff: { initialMs: 20, maxMs: 100 },
      logoutGraceMs: 0,
      socket: { url: `${base}/api/trpc`, WebSocket: socket.WebSocket },
      onStatus: (status) => statuses.push(status),
    });
    try {
      await statuses.until((s) => s.includes("live"));
      expect(events.transport).toBe("ws");
      // The spoiled ticket was refused (1008), and the retry brought a new one.
      expect(statuses.items).toEqual(["connecting", "retrying", "connecting", "live"]);
      expect(socket.urls).toHaveLength(2);
      expect(socket.urls[0]).toMatch(/ticket=spoiled$/);
      expect(socket.urls[1]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/api\/trpc\?ticket=[\w-]{22,}$/);
      for (const url of socket.urls) expect(url).not.toContain(user.accessToken);

      const started = performance.now();
      await post("auth.logoutAll", null, user.accessToken);
      await user.forgotten.until((f) => f.length > 0);
      await annotate(`logoutAll to sign-out: ${Math.round(performance.now() - started)} ms`);
      expect(user.forgotten.items).toEqual([["ended", "logout_all"]]);
      await statuses.until((s) => s.at(-1) === "off");
      // Signed out by the revocation, not by a failed connection: no retry, no new socket.
      expect(statuses.items.slice(4)).toEqual(["off"]);
      expect(socket.urls).toHaveLength(2);
    } finally {
      events.stop();
    }
  });

  it("signs out with the cause a 1008 close names when no event said it", async () => {
    const user = await signedIn();
    // Should the subscription's last messages be lost, the close's reason still says why.
    const socket = recordingWebSocket({ drop: /revoked|"error"|stopped/ });
    const statuses = new Recorder<string>();
    const events = createSessionEvents({
      tokens: user.tokens,
      client: user.client,
      locks: null,
      onOnline: null,
      logoutGraceMs: 0,
      transport: "ws",
      socket: { url: `${base}/api/trpc`, WebSocket: socket.WebSocket },
      onStatus: (status) => statuses.push(status),
    });
    try {
      await statuses.until((s) => s.includes("live"));
      await post("auth.logoutAll", null, user.accessToken);
      await user.forgotten.until((f) => f.length > 0);
      expect(user.forgotten.items).toEqual([["ended", "logout_all"]]);
      // No `revoked` event reached the client: the cause came from the close.
      expect(socket.dropped.some((message) => message.includes('"revoked"'))).toBe(true);
    } finally {
      events.stop();
    }
  });

  it("the README's own subscription over WebSocket: one socket per ticket, ended by a revocation", async () => {
    const user = await signedIn();
    const socket = recordingWebSocket();
    const received = new Recorder<SessionEvent>();
    const ends = new Recorder<unknown>();
    // As in the README's "Authenticating your own subscriptions", on `session.events`.
    const live = createTicketedSubscription<SessionEvent>({
      getTicket: async () => (await user.client.auth.ticket.mutate()).ticket,
      subscribe: (ticket, handlers) =>
        subscribeOverSocket(ticket, handlers, {
          url: `${base}/api/trpc`,
          path: "session.events",
          input: {},
          WebSocket: socket.WebSocket,
        }),
      onData: (event) => received.push(event),
      onEnd: ({ error }) => {
        ends.push(error);
        return "stop";
      },
      onOnline: null,
    });
    live.start();
    try {
      await received.until((r) => r.length > 0);
      expect(received.items).toEqual([{ type: "connected" }]);
      await post("auth.logout", null, user.accessToken);
      await ends.until((e) => e.length > 0);
      // The reason first, then the end: UNAUTHORIZED, as the guard ends a revoked stream.
      expect(received.items).toEqual([
        { type: "connected" },
        { type: "revoked", reason: "logout" },
      ]);
      expect(ends.items).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ code: "UNAUTHORIZED" }) }),
      ]);
      expect(socket.urls).toHaveLength(1);
    } finally {
      live.stop();
    }
  });
});
