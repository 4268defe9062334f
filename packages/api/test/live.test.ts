import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, databaseKinds } from "@authkit/db/testing";

import { call, login, registerAndLogin, startTestServer, type TestServer } from "./harness";
import { startServerProcess } from "./server-process";
import { revokeSession } from "./revoke";
import { errorCode, isError, isRevoked, openSse, subscriptionUrl, ticketFor } from "./sse";

describe.each(await databaseKinds())("live sessions on %s", (database) => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer({ database, store: "database" });
    base = server.url;
  });
  afterAll(() => server.close());

  const events = (ticket: string) => openSse(subscriptionUrl(base, "session.events", { ticket }));

  it("opens a stream with a ticket exactly once", async () => {
    const user = await registerAndLogin(base);
    const ticket = await ticketFor(base, user.accessToken);
    const stream = await events(ticket);
    expect(stream.contentType).toMatch(/text\/event-stream/);
    await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
    // A refused ticket gets a plain 401 and no stream at all.
    const again = await events(ticket);
    expect(again.status).toBe(401);
    expect(again.contentType).toMatch(/application\/json/);
    await again.closed;
    expect(again.events).toEqual([]);
    stream.close();
  });

  it("refuses a made-up ticket, an expired one and one of a revoked session", async () => {
    const user = await registerAndLogin(base);
    const refused = async (ticket: string) => {
      const stream = await events(ticket);
      await stream.closed;
      return { status: stream.status, events: stream.events };
    };
    for (const ticket of ["made-up", "x".repeat(43)])
      expect(await refused(ticket)).toEqual({ status: 401, events: [] });
    // No ticket at all (only a WebSocket carries its ticket outside the input): the same 401.
    const bare = await openSse(subscriptionUrl(base, "session.events", {}));
    await bare.closed;
    expect({ status: bare.status, events: bare.events }).toEqual({ status: 401, events: [] });
    const expiring = await ticketFor(base, user.accessToken);
    server.clock.advance(31);
    try {
      expect(await refused(expiring)).toEqual({ status: 401, events: [] });
    } finally {
      server.clock.advance(-31);
    }
    const orphan = await ticketFor(base, user.accessToken);
    await call(base, "mutation", "auth.logout", { token: user.accessToken });
    expect(await refused(orphan)).toEqual({ status: 401, events: [] });
    // Tickets are for the logged-in: no access token, no ticket.
    expect((await call(base, "mutation", "auth.ticket")).status).toBe(401);
  });

  it.for([
    ["logoutAll", "logout_all"],
    ["a logout elsewhere", "logout"],
    ["a password change", "password_changed"],
    ["a session revoke", "session_revoked"],
    ["a role change", "role_changed"],
    ["refresh-token reuse", "refresh_token_reused"],
  ] as const)(
    "pushes %s to the open stream and ends it with UNAUTHORIZED",
    async ([, reason], { annotate }) => {
      const user = await registerAndLogin(base);
      const other = await login(base, user.email, user.password);
      const stream = await events(await ticketFor(base, user.accessToken));
      await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
      const started = performance.now();
      await revokeSession(server, reason, user, other);
      // The cause first, then the end, then the stream closes: in that order.
      expect((await stream.waitFor(isRevoked)).data).toEqual({ type: "revoked", reason });
      expect(errorCode(await stream.waitFor(isError))).toBe("UNAUTHORIZED");
      await stream.closed;
      expect(stream.events.findIndex(isRevoked)).toBeLessThan(stream.events.findIndex(isError));
      await annotate(`revocation to end of stream: ${Math.round(performance.now() - started)} ms`);
    },
  );

  it("leaves no listener behind after 500 streams open and close", async () => {
    const user = await registerAndLogin(base);
    // Five sessions with four streams each: the caps per session (4) and per user (20), reached.
    const sessions = [
      user,
      ...(await Promise.all(
        Array.from({ length: 4 }, () => login(base, user.email, user.password)),
      )),
    ];
    const before = server.app.auth.bus.listenerCount();
    for (let round = 0; round < 25; round++) {
      const tickets = await Promise.all(
        sessions.flatMap((s) => Array.from({ length: 4 }, () => ticketFor(base, s.accessToken))),
      );
      const streams = await Promise.all(tickets.map((t) => events(t)));
      await Promise.all(
        streams.map((s) => s.waitFor((e) => (e.data as { type?: string }).type === "connected")),
      );
      // Twenty streams, five sessions: one listener for the process, one watch per session.
      expect(server.app.auth.bus.listenerCount()).toBe(before + 1);
      expect(server.app.auth.live.counts()).toEqual({
        sessions: 5,
        streams: 20,
        users: 1,
        busListeners: 1,
      });
      for (const s of streams) s.close();
      await Promise.all(streams.map((s) => s.closed));
      // Polled: the bus says nothing when a listener leaves. The window is the machine's.
      await expect
        .poll(() => server.app.auth.bus.listenerCount(), { timeout: 60_000 })
        .toBe(before);
      expect(server.app.auth.live.counts().streams).toBe(0);
    }
    // Used tickets are gone once expired.
    server.clock.advance(60);
    try {
      await server.app.auth.prune();
      expect(await server.db.prisma.sessionTicket.count()).toBe(0);
    } finally {
      server.clock.advance(-60);
    }
  });
});

describe("live sessions across processes", () => {
  it("ends a stream held by server B on a logout on server A", async (ctx) => {
    if (!(await databaseKinds()).includes("postgresql")) return ctx.skip();
    const db = await createTestDatabase("postgresql");
    const child = await startServerProcess({ DATABASE_URL: db.url!, LOG_LEVEL: "silent" });
    const b = child.url;
    try {
      const a = await startTestServer({
        database: "postgresql",
        store: "database",
        db,
        env: { DATABASE_URL: db.url! },
      });
      try {
        const user = await registerAndLogin(a.url);
        const stream = await openSse(
          subscriptionUrl(b, "session.events", { ticket: await ticketFor(b, user.accessToken) }),
        );
        await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
        const started = performance.now();
        await call(a.url, "mutation", "auth.logout", {
          token: user.accessToken,
          cookie: user.cookie,
        });
        expect((await stream.waitFor(isRevoked)).data).toEqual({
          type: "revoked",
          reason: "logout",
        });
        expect(errorCode(await stream.waitFor(isError))).toBe("UNAUTHORIZED");
        await ctx.annotate(
          `logout on A to end of stream on B: ${Math.round(performance.now() - started)} ms`,
        );
      } finally {
        await a.close();
      }
    } finally {
      await child.stop();
      await db.destroy().catch(() => undefined);
    }
  });
});
