/**
 * Issue 23, item 2: one account must not take the server down with live streams. Before the
 * fix, one WebSocket carrying 20,000 `session.events` subscriptions exhausted the heap, each
 * subscription holding its own bus listener, timers and 15-second database re-check; server-sent
 * events had the same shape (any number of tickets and streams for one session).
 *
 * Against a real server on both databases: a socket that sends 10,000 subscription messages is
 * closed for its message rate while health, an ordinary user's calls and socket carry on; memory
 * (heap after a full GC) does not grow with the flood; the process keeps one bus listener; what
 * one session may hold (streams across SSE and WebSocket, subscriptions per socket, tickets) is
 * capped; and the database re-checks count per session, never per subscription. Counts and
 * outcomes only: nothing here waits on or measures the wall clock.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, databaseKinds, type TestDatabase } from "@authkit/db/testing";

import {
  call,
  login,
  registerAndLogin,
  startTestServer,
  type SignedIn,
  type TestServer,
} from "./harness";
import { isConnected, isError, openSocket, socketUrl, type LiveSocket } from "./socket";
import { errorCode, isError as isSseError, openSse, subscriptionUrl, ticketFor } from "./sse";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Heap in use after full collections: what the process retains, not what it has yet to free. */
function retainedHeap(): number {
  for (let i = 0; i < 3; i++) collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Every query the server's Prisma client runs, with its arguments (raw queries included). */
function countingDatabase(db: TestDatabase, log: string[]): TestDatabase {
  const prisma = db.prisma.$extends({
    query: {
      $allOperations({ operation, model, args, query }) {
        log.push(`${model ?? ""}.${operation} ${JSON.stringify(args)}`);
        return query(args);
      },
    },
  });
  return { ...db, prisma: prisma as unknown as TestDatabase["prisma"] };
}

const MESSAGES = 10_000;
const SUBSCRIPTIONS_PER_SOCKET = 10;
/** LIVE_SOCKET_MESSAGE_RATE's default bucket: what a socket may send at once. */
const BURST = 60;

describe.each(await databaseKinds())("a flood of live subscriptions on %s", (database) => {
  let db: TestDatabase;
  let server: TestServer;
  let base: string;
  const queries: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase(database);
    server = await startTestServer({
      database,
      store: "database",
      db: countingDatabase(db, queries),
      // Re-checks every 100 ms instead of 15 s, so a test sees many rounds of them.
      liveRecheckMs: 100,
      // The defaults of docs/configuration.md, written out (the harness raises the ticket limit).
      env: {
        RATE_LIMIT_LIVE_TICKET: "30/1m",
        LIVE_MAX_CONNECTIONS_PER_SESSION: "4",
        LIVE_MAX_CONNECTIONS_PER_USER: "20",
        LIVE_MAX_SOCKET_SUBSCRIPTIONS: String(SUBSCRIPTIONS_PER_SOCKET),
        LIVE_SOCKET_MESSAGE_RATE: `${BURST}/1m`,
      },
    });
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
    await db.destroy();
  });

  /** A socket of `user`'s session with `count` subscriptions of `session.events`, all connected. */
  async function subscribedSocket(user: SignedIn, count: number): Promise<LiveSocket> {
    const socket = openSocket(socketUrl(base, await ticketFor(base, user.accessToken)));
    expect(await socket.opened).toEqual({ status: 101 });
    for (let id = 1; id <= count; id++) socket.subscribe(id, "session.events");
    for (let id = 1; id <= count; id++) await socket.waitFor((m) => m.id === id && isConnected(m));
    return socket;
  }

  it("closes a socket that sends 10,000 subscription messages; the server and its other users carry on", async () => {
    const bystander = await registerAndLogin(base);
    const bystanderSocket = await subscribedSocket(bystander, 1);
    const attacker = await registerAndLogin(base);
    const listenersBefore = server.app.auth.bus.listenerCount();
    const heapBefore = retainedHeap();

    const flood = openSocket(socketUrl(base, await ticketFor(base, attacker.accessToken)));
    expect(await flood.opened).toEqual({ status: 101 });
    for (let id = 1; id <= MESSAGES; id++) flood.subscribe(id, "session.events");
    // Whichever comes first: the server closes the socket, or it has run every subscription.
    const closed = await closedOrAllConnected(flood, MESSAGES);

    // Soft, so that a server without the fix shows every way it fails, not only the first.
    expect.soft(closed).toEqual({ code: 1008, reason: "too many messages" });
    // Nothing past the burst was run: at most one socket's worth of subscriptions connected,
    // the rest refused, and no more answers than the messages the bucket let through.
    expect
      .soft(flood.messages.filter(isConnected).length)
      .toBeLessThanOrEqual(SUBSCRIPTIONS_PER_SOCKET);
    // (The burst, what the bucket refilled while the flood arrived, and two answers, `started`
    // and `connected`, for each of the few subscriptions run: far below one per message.)
    expect.soft(flood.messages.length).toBeLessThanOrEqual(2 * BURST);
    for (const refused of flood.messages.filter(isError))
      expect.soft(refused.error?.data.code).toBe("TOO_MANY_REQUESTS");
    // One bus listener for the process, one watch per session, and no memory kept for the flood.
    expect.soft(server.app.auth.bus.listenerCount()).toBeLessThanOrEqual(listenersBefore + 1);
    expect.soft(retainedHeap() - heapBefore).toBeLessThan(8 * 1024 * 1024);

    // The server answers, and an ordinary user's calls and socket work.
    expect((await call(base, "query", "health")).status).toBe(200);
    const me = await call<{ email: string }>(base, "query", "user.me", {
      token: bystander.accessToken,
    });
    expect(me.data.email).toBe(bystander.email);
    expect(bystanderSocket.ws.readyState).toBe(bystanderSocket.ws.OPEN);
    flood.close();
    await flood.closed;
    await expect.poll(() => server.app.auth.live.counts().streams).toBe(1);
    expect(server.app.auth.bus.listenerCount()).toBe(listenersBefore);

    // The attacker's session still works for a socket that behaves.
    const calm = await subscribedSocket(attacker, 1);
    calm.close();
    bystanderSocket.close();
    await Promise.all([calm.closed, bystanderSocket.closed]);
  }, 180_000);

  it("refuses an SSE flood: 200 tickets and streams for one session", async () => {
    const attacker = await registerAndLogin(base);
    const listenersBefore = server.app.auth.bus.listenerCount();
    const heapBefore = retainedHeap();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        call<{ ticket: string }>(base, "mutation", "auth.ticket", { token: attacker.accessToken }),
      ),
    );
    const tickets = answers.filter((a) => a.status === 200).map((a) => a.data.ticket);
    const streams = await Promise.all(
      tickets.map((ticket) => openSse(subscriptionUrl(base, "session.events", { ticket }))),
    );
    // Every stream says what it is: connected, or refused and ended.
    const outcomes = await Promise.all(
      streams.map((s) => s.waitFor((e) => sseType(e) === "connected" || isSseError(e))),
    );
    const connected = outcomes.filter((e) => sseType(e) === "connected").length;

    expect.soft(tickets.length).toBe(30);
    for (const refused of answers.filter((a) => a.status !== 200))
      expect.soft(refused.body.error?.data.code).toBe("TOO_MANY_REQUESTS");
    expect.soft(connected).toBe(4);
    for (const refused of outcomes.filter(isSseError))
      expect.soft(errorCode(refused)).toBe("TOO_MANY_REQUESTS");
    expect.soft(server.app.auth.bus.listenerCount()).toBeLessThanOrEqual(listenersBefore + 1);
    expect.soft(retainedHeap() - heapBefore).toBeLessThan(8 * 1024 * 1024);
    expect((await call(base, "query", "health")).status).toBe(200);

    for (const s of streams) s.close();
    await Promise.all(streams.map((s) => s.closed));
    await expect.poll(() => server.app.auth.live.counts().streams).toBe(0);
    expect(server.app.auth.bus.listenerCount()).toBe(listenersBefore);
  });

  it("bounds what one session holds however it asks: subscriptions per socket, streams across SSE and WebSocket", async () => {
    const user = await registerAndLogin(base);
    const socket = await subscribedSocket(user, SUBSCRIPTIONS_PER_SOCKET);
    // One more subscription on the socket is refused; the socket stays open for the others.
    socket.subscribe(99, "session.events");
    const refused = await socket.waitFor((m) => m.id === 99 && isError(m));
    expect(refused.error?.data.code).toBe("TOO_MANY_REQUESTS");
    // Stopping one gives its slot back.
    socket.send({ id: 1, jsonrpc: "2.0", method: "subscription.stop" });
    await socket.waitFor((m) => m.id === 1 && m.result?.type === "stopped");
    socket.subscribe(100, "session.events");
    await socket.waitFor((m) => m.id === 100 && isConnected(m));

    // Three SSE streams join the socket: the session's four streams.
    const streams = await Promise.all(
      [1, 2, 3].map(async () =>
        openSse(
          subscriptionUrl(base, "session.events", {
            ticket: await ticketFor(base, user.accessToken),
          }),
        ),
      ),
    );
    await Promise.all(streams.map((s) => s.waitFor((e) => sseType(e) === "connected")));
    // A fifth, of either kind, is refused.
    const fifth = await openSse(
      subscriptionUrl(base, "session.events", { ticket: await ticketFor(base, user.accessToken) }),
    );
    expect(errorCode(await fifth.waitFor(isSseError))).toBe("TOO_MANY_REQUESTS");
    await fifth.closed;
    const fifthSocket = openSocket(socketUrl(base, await ticketFor(base, user.accessToken)));
    expect(await fifthSocket.closed).toEqual({ code: 1013, reason: "too many connections" });
    // One session, four streams, eleven subscriptions: one watch, one listener.
    expect(server.app.auth.live.counts()).toMatchObject({ sessions: 1, streams: 4 });
    expect(server.app.auth.live.counts().busListeners).toBe(1);

    // A closed stream gives its place back, to the other transport too.
    streams[0]!.close();
    await streams[0]!.closed;
    await expect.poll(() => server.app.auth.live.counts().streams).toBe(3);
    const again = await subscribedSocket(user, 1);
    for (const s of streams.slice(1)) s.close();
    for (const s of [socket, again]) s.close();
    await Promise.all([socket.closed, again.closed, ...streams.map((s) => s.closed)]);
    await expect
      .poll(() => server.app.auth.live.counts())
      .toEqual({
        sessions: 0,
        streams: 0,
        users: 0,
        busListeners: 0,
      });
  });

  it("caps one user's streams across sessions, and rate-limits auth.ticket per user", async () => {
    const capped = await startTestServer({
      database,
      store: "database",
      db,
      env: { LIVE_MAX_CONNECTIONS_PER_USER: "2", RATE_LIMIT_LIVE_TICKET: "5/1m" },
    });
    try {
      const user = await registerAndLogin(capped.url);
      const laptop = await login(capped.url, user.email, user.password);
      const open = (who: SignedIn) =>
        ticketFor(capped.url, who.accessToken).then((ticket) =>
          openSse(subscriptionUrl(capped.url, "session.events", { ticket })),
        );
      const first = await open(user);
      const second = await open(laptop);
      await Promise.all([first, second].map((s) => s.waitFor((e) => sseType(e) === "connected")));
      const third = await open(laptop);
      expect(errorCode(await third.waitFor(isSseError))).toBe("TOO_MANY_REQUESTS");
      // Three tickets so far; two more, then the user (from any session) is refused.
      await ticketFor(capped.url, user.accessToken);
      await ticketFor(capped.url, laptop.accessToken);
      for (const who of [user, laptop]) {
        const refused = await call(capped.url, "mutation", "auth.ticket", {
          token: who.accessToken,
        });
        expect(refused.status).toBe(429);
        expect(refused.body.error?.data.code).toBe("TOO_MANY_REQUESTS");
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
      // Another user is not affected.
      const other = await registerAndLogin(capped.url);
      await ticketFor(capped.url, other.accessToken);
      for (const s of [first, second]) s.close();
    } finally {
      await capped.close();
    }
  });

  it("re-checks the database once per session, however many subscriptions it has", async () => {
    const quiet = await registerAndLogin(base);
    const busy = await registerAndLogin(base);
    const quietSocket = await subscribedSocket(quiet, 1);
    // The busiest a session may be: four sockets of ten subscriptions each.
    const busySockets: LiveSocket[] = [];
    for (let i = 0; i < 4; i++)
      busySockets.push(await subscribedSocket(busy, SUBSCRIPTIONS_PER_SOCKET));
    const sessionOf = async (user: SignedIn) =>
      (
        await call<{ id: string; current: boolean }[]>(base, "query", "session.list", {
          token: user.accessToken,
        })
      ).data.find((s) => s.current)!.id;
    const [quietSession, busySession] = await Promise.all([sessionOf(quiet), sessionOf(busy)]);
    const rechecksOf = (sessionId: string, from: number) =>
      queries.slice(from).filter((q) => q.includes(sessionId)).length;
    const from = queries.length;
    await expect
      .poll(() => rechecksOf(quietSession, from), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(10);
    const quietCount = rechecksOf(quietSession, from);
    const busyCount = rechecksOf(busySession, from);
    // Both sessions' single timers ran about as often: forty subscriptions are no more work
    // than one (per subscription, the busy session would show forty times the quiet one's).
    expect(busyCount).toBeLessThanOrEqual(2 * quietCount + 2);
    expect(busyCount).toBeGreaterThanOrEqual(1);
    expect(server.app.auth.live.counts()).toMatchObject({ sessions: 2, streams: 5, users: 2 });
    for (const s of [quietSocket, ...busySockets]) s.close();
    await Promise.all([quietSocket, ...busySockets].map((s) => s.closed));
  });
});

/** The `type` of an SSE event's data (`connected`, `revoked`). */
const sseType = (e: { data: unknown }) => (e.data as { type?: string }).type;

/**
 * Resolves with the close when the server closes the socket, or with null once `count`
 * subscriptions have said `connected` (a server that runs them all). Counts as messages arrive.
 */
function closedOrAllConnected(
  socket: LiveSocket,
  count: number,
): Promise<{ code: number; reason: string } | null> {
  return new Promise((resolve) => {
    let connected = 0;
    const onMessage = (data: Buffer) => {
      if (!data.toString().includes('"connected"')) return;
      if (++connected < count) return;
      socket.ws.off("message", onMessage);
      resolve(null);
    };
    socket.ws.on("message", onMessage);
    void socket.closed.then((closed) => {
      socket.ws.off("message", onMessage);
      resolve(closed);
    });
  });
}
