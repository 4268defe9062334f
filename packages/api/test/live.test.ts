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

  it.each([
    ["logoutAll", "logout_all"],
    ["a logout elsewhere", "logout"],
    ["a password change", "password_changed"],
    ["a session revoke", "session_revoked"],
    ["a role change", "role_changed"],
    ["refresh-token reuse", "refresh_token_reused"],
  ] as const)("pushes %s to the open stream and ends it with UNAUTHORIZED", async (_, reason) => {
    const user = await registerAndLogin(base);
    const other = await login(base, user.email, user.password);
    const stream = await events(await ticketFor(base, user.accessToken));
    await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
    const started = Date.now();
    await revokeSession(server, reason, user, other);
    expect((await stream.waitFor(isRevoked, 2000)).data).toEqual({ type: "revoked", reason });
    expect(errorCode(await stream.waitFor(isError, 2000))).toBe("UNAUTHORIZED");
    await stream.closed;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("leaves no listener behind after 1,000 streams open and close", async () => {
    const user = await registerAndLogin(base);
    const before = server.app.auth.bus.listenerCount();
    for (let round = 0; round < 20; round++) {
      const tickets = await Promise.all(
        Array.from({ length: 50 }, () => ticketFor(base, user.accessToken)),
      );
      const streams = await Promise.all(tickets.map((t) => events(t)));
      await Promise.all(
        streams.map((s) => s.waitFor((e) => (e.data as { type?: string }).type === "connected")),
      );
      expect(server.app.auth.bus.listenerCount()).toBe(before + 50);
      for (const s of streams) s.close();
      await Promise.all(streams.map((s) => s.closed));
      await expect.poll(() => server.app.auth.bus.listenerCount(), { timeout: 2000 }).toBe(before);
    }
    // Used tickets are gone once expired.
    server.clock.advance(60);
    try {
      await server.app.auth.prune();
      expect(await server.db.prisma.sessionTicket.count()).toBe(0);
    } finally {
      server.clock.advance(-60);
    }
  }, 120_000);
});

describe("live sessions across processes", () => {
  it("ends a stream held by server B within 2 s of a logout on server A", async (ctx) => {
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
        const started = Date.now();
        await call(a.url, "mutation", "auth.logout", {
          token: user.accessToken,
          cookie: user.cookie,
        });
        expect((await stream.waitFor(isRevoked, 2000)).data).toEqual({
          type: "revoked",
          reason: "logout",
        });
        expect(errorCode(await stream.waitFor(isError, 2000))).toBe("UNAUTHORIZED");
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await a.close();
      }
    } finally {
      await child.stop();
      await db.destroy().catch(() => undefined);
    }
  }, 60_000);
});
