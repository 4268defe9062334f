/**
 * Live subscriptions over WebSocket (issue 15): ws://host/api/trpc?ticket=…, over real sockets
 * with the `ws` client. The ticket is the one SSE uses; refusals close with 1008 before any
 * message runs; a revocation anywhere closes an open socket with 1008, after a final `revoked`
 * event that names the cause. How long that took is reported (a test annotation), never
 * asserted: speed is measured by `pnpm bench`, and a loaded machine must not fail the order.
 */
import { request } from "node:http";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTestDatabase,
  postgresAvailable,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@authkit/db/testing";
import { startUpstashRest, type UpstashRest } from "@authkit/upstash-rest";

import {
  call,
  LogCapture,
  login,
  quickDatabase,
  registerAndLogin,
  startTestServer,
  storeKinds,
  type StoreKind,
  type TestServer,
} from "./harness";
import { startServerProcess, type ServerProcess } from "./server-process";
import {
  dataOf,
  isConnected,
  isError,
  isRevoked,
  openSocket,
  socketUrl,
  type LiveSocket,
} from "./socket";
import { revokeSession } from "./revoke";
import { ticketFor } from "./sse";

const database = await quickDatabase();

/** Opens a socket with a fresh ticket and subscribes to `session.events` on it. */
async function liveSocket(base: string, accessToken: string): Promise<LiveSocket> {
  const socket = openSocket(socketUrl(base, await ticketFor(base, accessToken)));
  expect(await socket.opened).toEqual({ status: 101 });
  socket.subscribe(1, "session.events");
  await socket.waitFor(isConnected);
  return socket;
}

/** A socket that gets no working connection: closed with 1008, nothing it sent was answered. */
async function expectRefused(url: string) {
  const socket = openSocket(url);
  expect(await socket.opened).toEqual({ status: 101 });
  // Sent at once: a refused socket must not run it.
  socket.subscribe(1, "session.events");
  expect(await socket.closed).toEqual({ code: 1008, reason: "unauthorized" });
  expect(socket.messages).toEqual([]);
}

describe.each(["database", "upstash"] as StoreKind[])("WebSocket transport, %s store", (store) => {
  let server: TestServer;
  let base: string;
  const logs = new LogCapture();
  beforeAll(async () => {
    server = await startTestServer({
      database,
      store,
      env: { LOG_LEVEL: "info" },
      logDestination: logs,
    });
    base = server.url;
  });
  afterAll(() => server.close());

  it("runs session.events as the ticket's session, once per ticket", async () => {
    const user = await registerAndLogin(base);
    const ticket = await ticketFor(base, user.accessToken);
    const socket = openSocket(socketUrl(base, ticket));
    expect(await socket.opened).toEqual({ status: 101 });
    socket.subscribe(1, "session.events");
    expect(dataOf(await socket.waitFor(isConnected))).toEqual({ type: "connected" });
    // The same ticket again: replay refused.
    await expectRefused(socketUrl(base, ticket));
    socket.close();
    expect((await socket.closed).code).toBe(1000);
  });

  it("refuses a missing, made-up, expired or revoked ticket, and an access token in its place", async () => {
    const user = await registerAndLogin(base);
    await expectRefused(socketUrl(base));
    await expectRefused(socketUrl(base, ""));
    await expectRefused(socketUrl(base, "made-up"));
    await expectRefused(socketUrl(base, "x".repeat(43)));
    await expectRefused(socketUrl(base, user.accessToken));
    const expiring = await ticketFor(base, user.accessToken);
    server.clock.advance(31);
    try {
      await expectRefused(socketUrl(base, expiring));
    } finally {
      server.clock.advance(-31);
    }
    const orphan = await ticketFor(base, user.accessToken);
    await call(base, "mutation", "auth.logout", { token: user.accessToken });
    await expectRefused(socketUrl(base, orphan));
  });

  it("answers 400 to an upgrade that is no WebSocket handshake, without spending its ticket", async () => {
    const user = await registerAndLogin(base);
    const ticket = await ticketFor(base, user.accessToken);
    const status = await new Promise<number>((resolve, reject) => {
      const sent = request(socketUrl(base, ticket).replace(/^ws/, "http"), {
        headers: { connection: "Upgrade", upgrade: "websocket" }, // no key, no version
      });
      sent.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      sent.on("upgrade", () => reject(new Error("upgraded without a handshake")));
      sent.on("error", reject);
      sent.end();
    });
    expect(status).toBe(400);
    const socket = openSocket(socketUrl(base, ticket));
    expect(await socket.opened).toEqual({ status: 101 });
    socket.subscribe(1, "session.events");
    await socket.waitFor(isConnected);
    socket.close();
    await socket.closed;
  });

  it("carries subscriptions only, and only as the connection's session", async () => {
    const user = await registerAndLogin(base);
    const socket = await liveSocket(base, user.accessToken);
    // A query over the socket is not served, even with a bearer token in its input's place.
    socket.send({ id: 2, jsonrpc: "2.0", method: "query", params: { path: "user.me" } });
    expect((await socket.waitFor((m) => m.id === 2)).error?.data.code).toBe("METHOD_NOT_SUPPORTED");
    socket.send({
      id: 3,
      jsonrpc: "2.0",
      method: "mutation",
      params: { path: "auth.ticket", input: null },
    });
    expect((await socket.waitFor((m) => m.id === 3)).error?.data.code).toBe("METHOD_NOT_SUPPORTED");
    // Another session's ticket cannot switch the connection to it.
    const other = await login(base, user.email, user.password);
    socket.subscribe(4, "session.events", { ticket: await ticketFor(base, other.accessToken) });
    expect((await socket.waitFor((m) => m.id === 4 && isError(m))).error?.data.code).toBe(
      "BAD_REQUEST",
    );
    socket.close();
    await socket.closed;
  });

  it.for([
    ["logout", "logout"],
    ["logoutAll", "logout_all"],
    ["a password change", "password_changed"],
    ["a device revoked from another session", "session_revoked"],
    ["a role change by an admin", "role_changed"],
    ["refresh-token reuse", "refresh_token_reused"],
    ["the access token revoked (RFC 7009)", "token_revoked"],
    ["an admin disabling the user", "user_disabled"],
    ["an admin signing the user out everywhere", "revoked_by_admin"],
  ] as const)(
    "closes an open socket with 1008 on %s, after a final revoked event",
    async ([, reason], { annotate }) => {
      const user = await registerAndLogin(base);
      const other = await login(base, user.email, user.password);
      const socket = await liveSocket(base, user.accessToken);
      const started = performance.now();
      await revokeSession(server, reason, user, other);
      expect(await socket.closed).toEqual({ code: 1008, reason });
      await annotate(`revocation to close: ${Math.round(performance.now() - started)} ms`);
      // The subscription said why first, then ended with UNAUTHORIZED.
      const revokedAt = socket.messages.findIndex(isRevoked);
      expect(dataOf(socket.messages[revokedAt]!)).toEqual({ type: "revoked", reason });
      expect(socket.messages.slice(revokedAt).find(isError)?.error?.data.code).toBe("UNAUTHORIZED");
    },
  );

  it("closes a socket without subscriptions too, and leaves no listener or count behind", async () => {
    const user = await registerAndLogin(base);
    const before = server.app.auth.bus.listenerCount();
    const bare = openSocket(socketUrl(base, await ticketFor(base, user.accessToken)));
    await bare.opened;
    const subscribed = await liveSocket(base, user.accessToken);
    // Two sockets of one session, one subscription: one watched session, one process listener.
    await expect
      .poll(() => server.app.auth.live.counts(), { timeout: 60_000 })
      .toEqual({
        sessions: 1,
        streams: 2,
        users: 1,
        busListeners: 1,
      });
    expect(server.app.auth.bus.listenerCount()).toBe(before + 1);
    await call(base, "mutation", "auth.logoutAll", { token: user.accessToken });
    expect(await bare.closed).toEqual({ code: 1008, reason: "logout_all" });
    expect(await subscribed.closed).toEqual({ code: 1008, reason: "logout_all" });
    await expect.poll(() => server.app.auth.bus.listenerCount(), { timeout: 60_000 }).toBe(before);
    await expect.poll(() => server.sockets!.size, { timeout: 60_000 }).toBe(0);
    expect(server.app.auth.live.counts()).toEqual({
      sessions: 0,
      streams: 0,
      users: 0,
      busListeners: 0,
    });
  });

  it("writes one access-log line per connection, without the ticket", async () => {
    const user = await registerAndLogin(base);
    const ticket = await ticketFor(base, user.accessToken);
    const socket = await liveSocket(base, user.accessToken);
    socket.close();
    await socket.closed;
    await expectRefused(socketUrl(base, ticket.split("").reverse().join("")));
    await logs.until((lines) => lines.some((l) => l.msg === "websocket" && l.close === 1000));
    const lines = logs.lines.filter((l) => l.msg === "websocket");
    expect(lines.find((l) => l.close === 1000)).toMatchObject({
      path: "/api/trpc",
      status: 101,
      transport: "websocket",
      ms: expect.any(Number) as number,
    });
    expect(lines.find((l) => l.close === 1008)).toMatchObject({
      path: "/api/trpc",
      error: { reason: "TICKET_INVALID" },
    });
    expect(logs.text).not.toContain(ticket);
    expect(logs.text).not.toContain("ticket=");
  });

  it("closes a message over the size cap with 1009", async () => {
    const user = await registerAndLogin(base);
    const socket = await liveSocket(base, user.accessToken);
    socket.ws.send("x".repeat(17 * 1024));
    expect((await socket.closed).code).toBe(1009);
  });
});

describe("WebSocket limits", () => {
  it("caps sockets per session and per user, and rate-limits upgrades per address", async () => {
    const server = await startTestServer({
      database,
      store: "database",
      env: {
        LIVE_MAX_CONNECTIONS_PER_SESSION: "1",
        LIVE_MAX_CONNECTIONS_PER_USER: "2",
        RATE_LIMIT_LIVE_IP: "8/1m",
      },
    });
    try {
      const base = server.url;
      const user = await registerAndLogin(base);
      const first = await liveSocket(base, user.accessToken); // upgrade 1
      const second = openSocket(socketUrl(base, await ticketFor(base, user.accessToken))); // 2
      expect(await second.closed).toEqual({
        code: 1013,
        reason: "too many connections",
      });
      const other = await login(base, user.email, user.password);
      const third = await login(base, user.email, user.password);
      const otherSocket = await liveSocket(base, other.accessToken); // 3
      const overUser = openSocket(socketUrl(base, await ticketFor(base, third.accessToken))); // 4
      expect((await overUser.closed).code).toBe(1013);
      // A closed socket gives its place back.
      first.close();
      await first.closed;
      await expect.poll(() => server.sockets!.size, { timeout: 60_000 }).toBe(1);
      const again = await liveSocket(base, user.accessToken); // 5
      for (let i = 6; i <= 8; i++) await expectRefused(socketUrl(base, "made-up"));
      // The ninth upgrade from this address within the minute is refused before its ticket is read.
      const limited = openSocket(socketUrl(base, await ticketFor(base, third.accessToken)));
      expect(await limited.opened).toEqual({ status: 429 });
      for (const s of [again, otherSocket]) s.close();
    } finally {
      await server.close();
    }
  });

  it("pings idle sockets and drops one that stops answering", async () => {
    // The test beats the heartbeat itself: which socket answered is a fact, not a race.
    let beat: () => void = () => undefined;
    const server = await startTestServer({
      database,
      store: "database",
      heartbeat: (tick) => {
        beat = tick;
        return () => undefined;
      },
    });
    try {
      const user = await registerAndLogin(server.url);
      const answering = await liveSocket(server.url, user.accessToken);
      const silent = openSocket(
        socketUrl(server.url, await ticketFor(server.url, user.accessToken)),
        { autoPong: false },
      );
      await silent.opened;
      const pinged = (socket: typeof answering) =>
        new Promise<void>((resolve) => socket.ws.once("ping", () => resolve()));
      const bothPinged = Promise.all([pinged(answering), pinged(silent)]);
      beat(); // both are pinged
      await bothPinged;
      // The answering socket's pong went out before this request (one TCP stream, in order):
      // once the server answers the request, it has read the pong.
      answering.send({ id: 2, jsonrpc: "2.0", method: "query", params: { path: "health" } });
      await answering.waitFor((m) => m.id === 2);
      beat(); // the silent one never answered: dropped; the other is pinged again
      expect((await silent.closed).code).toBe(1006);
      expect(answering.ws.readyState).toBe(answering.ws.OPEN);
      answering.close();
    } finally {
      await server.close();
    }
  });

  it("closes the socket with 1008 when the session's lifetime ends", async () => {
    const server = await startTestServer({
      database,
      store: "database",
      env: { ACCESS_TOKEN_TTL: "20m", REFRESH_TOKEN_TTL: "20m" },
    });
    try {
      const user = await registerAndLogin(server.url);
      // One second of the session left when the socket opens.
      server.clock.advance(20 * 60 - 1);
      const socket = await liveSocket(server.url, user.accessToken);
      expect(await socket.closed).toEqual({ code: 1008, reason: "session_expired" });
      expect(socket.messages.find(isRevoked)).toBeDefined();
    } finally {
      await server.close();
    }
  });
});

const hasPostgres = await postgresAvailable();

describe.runIf(hasPostgres).each(await storeKinds("upstash", "redis", "database"))(
  "two server processes over one PostgreSQL, %s revocation store",
  (store) => {
    let db: TestDatabase;
    let upstash: UpstashRest | undefined;
    let a: ServerProcess;
    let b: ServerProcess;

    beforeAll(async () => {
      db = await createTestDatabase("postgresql");
      upstash = store === "upstash" ? await startUpstashRest({ token: "ws-token" }) : undefined;
      const env = {
        DATABASE_URL: db.url!,
        ...(upstash
          ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: "ws-token" }
          : {}),
        ...(store === "redis" ? { REDIS_URL: TEST_REDIS_URL } : {}),
      };
      [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    });

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await upstash?.close();
      await db?.destroy();
    });

    it("closes a socket held by B on a logout on A; B refuses a ticket A redeemed", async ({
      annotate,
    }) => {
      const user = await registerAndLogin(a.url);
      const ticket = await ticketFor(a.url, user.accessToken);
      const socket = openSocket(socketUrl(b.url, ticket));
      expect(await socket.opened).toEqual({ status: 101 });
      socket.subscribe(1, "session.events");
      await socket.waitFor(isConnected);
      await expectRefused(socketUrl(a.url, ticket));
      const started = performance.now();
      await call(a.url, "mutation", "auth.logout", {
        token: user.accessToken,
        cookie: user.cookie,
      });
      expect(await socket.closed).toEqual({ code: 1008, reason: "logout" });
      await annotate(`logout on A to close on B: ${Math.round(performance.now() - started)} ms`);
      expect(dataOf(socket.messages.find(isRevoked)!)).toEqual({
        type: "revoked",
        reason: "logout",
      });
    });

    it("closes a socket held by A on logoutAll on B", async () => {
      const user = await registerAndLogin(b.url);
      const socket = await liveSocket(a.url, user.accessToken);
      await call(b.url, "mutation", "auth.logoutAll", { token: user.accessToken });
      expect(await socket.closed).toEqual({ code: 1008, reason: "logout_all" });
    });
  },
);
