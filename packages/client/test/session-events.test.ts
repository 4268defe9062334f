import { createTRPCClient, TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable, type Observer } from "@trpc/server/observable";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { AppRouter } from "@authkit/api";

import { createAuthClient, type AuthClient } from "../src/auth-client";
import { authLink, authLinks, bearerHeaders, oneShotEventSource } from "../src/link";
import {
  createSessionEvents,
  revocationAction,
  type SessionEvents,
  type SessionEventsOptions,
} from "../src/session-events";
import type { SessionEndCause, SessionEvent } from "../src/types";
import { FakeChannelHub, FakeLocks, FakeServer, FakeTime } from "./fakes";

const unauthorized = () =>
  TRPCClientError.from({
    error: {
      code: -32001,
      message: "Unauthorized",
      data: { code: "UNAUTHORIZED", httpStatus: 401 },
    },
  });

interface FakeStream {
  ticket: string;
  observer: Observer<
    { result: { type: "data"; data: SessionEvent } | { type: "started" } },
    unknown
  >;
  closed: boolean;
}

/**
 * The API side: `auth.ticket` for a valid bearer token, `session.events` streams the test drives.
 * A raised token version refuses every token issued before it (like a role change).
 */
function fakeApi(server: FakeServer) {
  const api = {
    tickets: 0,
    streams: [] as FakeStream[],
    /** Tokens `token-N` with N at or below this are refused. */
    refusedUpTo: 0,
    /** What `auth.ticket` names as the server's LIVE_TRANSPORT, if anything. */
    transport: undefined as "sse" | "ws" | undefined,
    raiseVersion() {
      api.refusedUpTo = server.rotations;
    },
    get open() {
      return api.streams.filter((s) => !s.closed);
    },
    send(event: SessionEvent) {
      for (const s of api.open) s.observer.next({ result: { type: "data", data: event } });
    },
    fail(error: unknown) {
      for (const s of api.open) s.observer.error(error);
    },
    /** What the guard does on revocation: the last event, then UNAUTHORIZED. */
    revoke(reason: SessionEndCause) {
      api.send({ type: "revoked", reason });
      api.fail(unauthorized());
    },
  };
  const link: TRPCLink<AppRouter> =
    () =>
    ({ op }) =>
      observable((observer) => {
        if (op.type === "subscription") {
          const stream: FakeStream = {
            ticket: (op.input as { ticket: string }).ticket,
            observer: observer as FakeStream["observer"],
            closed: false,
          };
          api.streams.push(stream);
          observer.next({ result: { type: "started" } });
          observer.next({ result: { type: "data", data: { type: "connected" } } });
          return () => void (stream.closed = true);
        }
        const token = (bearerHeaders({ op }) as { authorization?: string }).authorization?.replace(
          "Bearer token-",
          "",
        );
        const valid = server.alive && Number(token) > api.refusedUpTo;
        if (op.path === "auth.ticket" && valid) {
          observer.next({
            result: {
              type: "data",
              data: {
                ticket: `ticket-${++api.tickets}`,
                expiresIn: 30,
                ...(api.transport ? { transport: api.transport } : {}),
              },
            },
          });
          observer.complete();
        } else {
          observer.error(unauthorized());
        }
        return () => undefined;
      });
  return { api, link };
}

/** One browser: tabs share the cookie (server), the refresh lock, the channel, the events lock. */
function browser() {
  const server = new FakeServer();
  const { api, link } = fakeApi(server);
  const locks = new FakeLocks();
  const eventLocks = new FakeLocks();
  const hub = new FakeChannelHub();
  const time = new FakeTime(hub);
  const open = async (options: Partial<SessionEventsOptions> = {}) => {
    const tokens = createAuthClient({
      transport: server.transport(),
      locks,
      channel: hub.join(),
      helloTimeoutMs: 30,
      visibility: { isVisible: () => true, onVisible: () => () => undefined },
    });
    const client = createTRPCClient<AppRouter>({ links: [authLink({ tokens }), link] });
    const statuses: string[] = [];
    const events = createSessionEvents({
      tokens,
      client,
      locks: eventLocks,
      backoff: { initialMs: 20, maxMs: 200 },
      logoutGraceMs: 50,
      onOnline: null,
      // The longest wait of each backoff step: the same timeline on every run.
      random: () => 1,
      onStatus: (status) => statuses.push(status),
      ...options,
    });
    cleanup.push(() => {
      events.stop();
      tokens.dispose();
    });
    await time.run(tokens.start());
    return { tokens, events, statuses };
  };
  /** Moves fake time until the tab's stream is live (at most 2 s of it). */
  const live = (events: SessionEvents) => time.until(() => expect(events.status).toBe("live"));
  return { server, api, time, live, open };
}

let cleanup: (() => void)[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const done of cleanup) done();
  cleanup = [];
  vi.useRealTimers();
});

describe("revocationAction", () => {
  it("signs out when the session is dead, checks when only the token version may have moved", () => {
    const causes: SessionEndCause[] = [
      "logout",
      "logout_all",
      "password_changed",
      "session_revoked",
      "session_expired",
    ];
    for (const cause of causes) expect(revocationAction(cause)).toBe("signOut");
    expect(revocationAction("role_changed")).toBe("verify");
    expect(revocationAction("refresh_token_reused")).toBe("verify");
  });
});

describe("createSessionEvents", () => {
  it("opens one stream with one ticket once signed in, and none while signed out", async () => {
    const b = browser();
    b.server.alive = false;
    const tab = await b.open();
    await b.time.advance(100);
    expect(b.api.tickets).toBe(0);
    expect(tab.events.status).toBe("off");

    b.server.alive = true;
    await b.time.run(tab.tokens.refresh());
    await b.live(tab.events);
    expect(b.api.tickets).toBe(1);
    expect(b.api.open.map((s) => s.ticket)).toEqual(["ticket-1"]);
    expect(tab.statuses).toEqual(["standby", "connecting", "live"]);

    await b.time.run(tab.tokens.logout());
    expect(tab.events.status).toBe("off");
    expect(b.api.open).toEqual([]);
    await b.time.advance(100);
    expect(b.api.tickets).toBe(1);
  });

  it("follows the transport the ticket answer names unless told one; SSE when it names none", async () => {
    const b = browser();
    const socketsOpened: string[] = [];
    class NoSocket {
      constructor(url: string) {
        socketsOpened.push(url);
        throw new Error("no sockets in this test");
      }
    }
    const quiet = { socket: { url: "http://app.test/api/trpc", WebSocket: NoSocket as never } };
    // No word from the server: server-sent events (the link's subscription).
    const plain = await b.open(quiet);
    await b.live(plain.events);
    expect(plain.events.transport).toBe("sse");
    plain.events.stop();
    // The server says ws, the app says sse: the app wins.
    b.api.transport = "ws";
    const told = await b.open({ ...quiet, transport: "sse", locks: null });
    await b.live(told.events);
    expect(told.events.transport).toBe("sse");
    expect(socketsOpened).toEqual([]);
    told.events.stop();
    // The server says ws and the app leaves it to the server: a socket with the ticket.
    const follows = await b.open({ ...quiet, locks: null });
    await b.time.until(() => expect(socketsOpened).toHaveLength(1));
    expect(follows.events.transport).toBe("ws");
    expect(socketsOpened[0]).toMatch(/^ws:\/\/app\.test\/api\/trpc\?ticket=ticket-\d+$/);
  });

  it.each([
    ["logout_all"],
    ["password_changed"],
    ["session_revoked"],
    ["session_expired"],
  ] as const)("%s: signs every tab out at once, saying why, and stops", async (cause) => {
    const b = browser();
    const first = await b.open();
    const second = await b.open();
    await b.live(first.events);
    b.api.revoke(cause);
    expect(first.tokens.getState()).toEqual({
      status: "signedOut",
      user: null,
      reason: "ended",
      cause,
    });
    await b.time.until(() =>
      expect(second.tokens.getState()).toEqual({
        status: "signedOut",
        user: null,
        reason: "ended",
        cause,
      }),
    );
    await b.time.advance(100);
    expect(b.api.tickets).toBe(1);
    expect(b.server.rotations).toBe(1);
    expect(b.api.open).toEqual([]);
  });

  it("one stream per browser: the other tab stands by and takes over when the first goes", async () => {
    const b = browser();
    const first = await b.open();
    await b.live(first.events);
    const second = await b.open();
    await b.time.advance(50);
    expect(second.events.status).toBe("standby");
    expect(b.api.tickets).toBe(1);

    first.events.stop(); // the tab closed
    await b.live(second.events);
    expect(b.api.tickets).toBe(2);
    expect(b.api.open.map((s) => s.ticket)).toEqual(["ticket-2"]);
    // The holder's revocation still reaches every tab (through the token manager's channel).
    b.api.revoke("logout_all");
    await b.time.until(() => expect(first.tokens.getState().status).toBe("signedOut"));
  });

  it("role_changed: refreshes once, stays signed in with the new token, reconnects with a new ticket", async () => {
    const b = browser();
    const tab = await b.open();
    const other = await b.open();
    await b.live(tab.events);
    expect(await tab.tokens.getAccessToken()).toBe("token-1");

    b.api.raiseVersion();
    b.api.revoke("role_changed");
    await b.time.until(() => expect(b.api.open.map((s) => s.ticket)).toEqual(["ticket-2"]));
    await b.live(tab.events);
    expect(b.server.rotations).toBe(2);
    expect(await tab.tokens.getAccessToken()).toBe("token-2");
    expect(tab.tokens.getState().status).toBe("signedIn");
    // The other tab has the new token too, without a refresh of its own.
    expect(await other.tokens.getAccessToken()).toBe("token-2");
  });

  it("refresh_token_reused: stays when this session lives on, signs out saying why when it does not", async () => {
    const b = browser();
    const tab = await b.open();
    await b.live(tab.events);
    // Another session of the user was replayed: only the token version moved here.
    b.api.raiseVersion();
    b.api.revoke("refresh_token_reused");
    await b.time.until(() => expect(b.api.tickets).toBe(2));
    await b.live(tab.events);
    expect(tab.tokens.getState().status).toBe("signedIn");

    // This session was the replayed one: the refresh is refused.
    b.server.alive = false;
    b.api.revoke("refresh_token_reused");
    await b.time.until(() =>
      expect(tab.tokens.getState()).toEqual({
        status: "signedOut",
        user: null,
        reason: "ended",
        cause: "refresh_token_reused",
      }),
    );
    await b.time.advance(100);
    expect(b.api.tickets).toBe(2);
  });

  it("an UNAUTHORIZED end without a reason is checked with one refresh", async () => {
    const b = browser();
    const tab = await b.open();
    await b.live(tab.events);
    b.api.fail(unauthorized());
    await b.time.until(() => expect(b.api.tickets).toBe(2));
    expect(b.server.rotations).toBe(2);

    b.server.alive = false;
    b.api.fail(unauthorized());
    await b.time.until(() =>
      expect(tab.tokens.getState()).toEqual({ status: "signedOut", user: null, reason: "ended" }),
    );
    expect(tab.events.status).toBe("off");
  });

  it("network trouble: a new ticket after a backoff, no refresh, no storm", async () => {
    const b = browser();
    const tab = await b.open();
    await b.live(tab.events);
    const failures = 6;
    for (let i = 0; i < failures; i++) {
      await b.live(tab.events);
      b.api.fail(new TRPCClientError("Unknown error"));
    }
    await b.live(tab.events);
    expect(b.api.tickets).toBe(failures + 1);
    expect(new Set(b.api.streams.map((s) => s.ticket)).size).toBe(failures + 1);
    expect(b.server.rotations).toBe(1);
    expect(tab.statuses.filter((s) => s === "retrying")).toHaveLength(failures);
  });

  it("a 401 on auth.ticket goes through the refresh; a dead session signs out and stops", async () => {
    const b = browser();
    const tab = await b.open();
    await b.live(tab.events);
    // The session died while the stream was down (no event): the reconnect finds out.
    b.server.alive = false;
    b.api.fail(new TRPCClientError("Unknown error"));
    await b.time.until(() =>
      expect(tab.tokens.getState()).toEqual({ status: "signedOut", user: null, reason: "ended" }),
    );
    await b.time.advance(200);
    expect(b.api.tickets).toBe(1);
    expect(tab.events.status).toBe("off");
  });

  it("logout: gives this browser's own Log out a moment before blaming another device", async () => {
    const b = browser();
    const tab = await b.open();
    await b.live(tab.events);
    b.api.revoke("logout");
    expect(tab.tokens.getState().status).toBe("signedIn");
    tab.tokens.forget("logout"); // this browser's Log out lands
    await b.time.advance(100);
    expect(tab.tokens.getState()).toEqual({ status: "signedOut", user: null, reason: "logout" });

    // Nobody here logged out: after the grace, every tab is out with the cause.
    await b.time.run(tab.tokens.refresh());
    await b.live(tab.events);
    b.api.revoke("logout");
    await b.time.until(() =>
      expect(tab.tokens.getState()).toEqual({
        status: "signedOut",
        user: null,
        reason: "ended",
        cause: "logout",
      }),
    );
  });

  it("restarts for another user signed in in another tab", async () => {
    const b = browser();
    const tab = await b.open();
    await b.live(tab.events);
    tab.tokens.signedIn({
      accessToken: "token-9",
      tokenType: "Bearer",
      expiresIn: 900,
      user: {
        id: "00000000-0000-4000-8000-000000000002",
        email: "bo@example.com",
        name: null,
        role: "user",
      },
    });
    await b.time.until(() => expect(b.api.tickets).toBe(2));
    expect(b.api.open.map((s) => s.ticket)).toEqual(["ticket-2"]);
  });
});

describe("authLinks subscriptions", () => {
  class FakeEventSource extends EventTarget {
    static urls: string[] = [];
    readonly CLOSED = 2;
    readyState = 0;
    closed = 0;
    constructor(readonly url: string) {
      super();
      FakeEventSource.urls.push(url);
    }
    close() {
      this.closed++;
      this.readyState = 2;
    }
  }

  it("go over server-sent events with the ticket in the input, never the access token", async () => {
    const tokens = {
      getAccessToken: () => Promise.resolve("eyJ.secret.token"),
      afterUnauthorized: () => Promise.resolve(null),
    };
    const client = createTRPCClient<AppRouter>({
      links: authLinks({
        tokens,
        url: "http://app.test/api/trpc",
        EventSource: FakeEventSource as never,
      }),
    });
    const sub = client.session.events.subscribe(
      { ticket: "the-ticket" },
      { onData: () => undefined },
    );
    await new FakeTime().until(() => expect(FakeEventSource.urls).toHaveLength(1));
    const url = FakeEventSource.urls[0]!;
    expect(url).toBe(
      `http://app.test/api/trpc/session.events?input=${encodeURIComponent(JSON.stringify({ ticket: "the-ticket" }))}`,
    );
    expect(url).not.toMatch(/eyJ|secret|Bearer|connectionParams/);
    sub.unsubscribe();
  });

  it("an EventSource that closes on its first error instead of retrying a spent ticket", () => {
    const OneShot = oneShotEventSource(() => FakeEventSource as never);
    const source = new OneShot("http://app.test/x") as unknown as FakeEventSource;
    expect(source).toBeInstanceOf(FakeEventSource);
    source.dispatchEvent(new Event("error"));
    expect(source.closed).toBe(1);
    expect(source.readyState).toBe(source.CLOSED);
  });
});

// The app's client fits the watcher as it is.
export const _typeCheck = (
  client: ReturnType<typeof createTRPCClient<AppRouter>>,
  tokens: AuthClient,
) => createSessionEvents({ client, tokens });
