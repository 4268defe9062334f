/**
 * The admin's account lifecycle (issue 16): disable, enable and revoke every session, on every
 * revocation store (the database, Upstash REST, a plain Redis), with the last-admin guard and the paged, searchable user list.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase } from "@authkit/db/testing";

import {
  call,
  LogCapture,
  login,
  quickDatabase,
  registerAndLogin,
  signedInAdmin,
  startTestServer,
  storeKinds,
  type CallResult,
  type SignedIn,
  type TestServer,
} from "./harness";
import { errorCode, isError, isRevoked, openSse, subscriptionUrl, ticketFor } from "./sse";

const authCodeOf = (result: CallResult) =>
  (result.body.error?.data as { authCode?: string | null } | undefined)?.authCode;

const me = (base: string, token: string) => call(base, "query", "user.me", { token });

async function liveStream(base: string, user: SignedIn) {
  const stream = await openSse(
    subscriptionUrl(base, "session.events", { ticket: await ticketFor(base, user.accessToken) }),
  );
  await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
  return stream;
}

const stores = await storeKinds("database", "upstash", "redis", "memory");

describe.each(stores)("admin lifecycle, %s revocation store", (store) => {
  let server: TestServer;
  let base: string;
  let admin: SignedIn;
  const logs = new LogCapture();

  beforeAll(async () => {
    server = await startTestServer({
      // The memory store is the embedded default's: only on the database its process owns.
      database: store === "memory" ? "pglite" : await quickDatabase(),
      store,
      env: { LOG_LEVEL: "info" },
      logDestination: logs,
    });
    base = server.url;
    admin = await signedInAdmin(server);
  });
  afterAll(() => server?.close());

  const act = (procedure: string, userId: string, token = admin.accessToken) =>
    call(base, "mutation", `admin.${procedure}`, { token, input: { userId } });
  const eventsOf = (name: string, userId: string) =>
    logs.lines.filter((line) => line.event === name && line.userId === userId);

  it("disable signs the user out everywhere now, ends live streams and refuses login; enable lets them back in", async () => {
    const user = await registerAndLogin(base);
    const other = await login(base, user.email, user.password);
    const stream = await liveStream(base, other);

    expect((await act("disableUser", user.userId)).status).toBe(200);
    expect((await stream.waitFor(isRevoked)).data).toEqual({
      type: "revoked",
      reason: "user_disabled",
    });
    expect(errorCode(await stream.waitFor(isError))).toBe("UNAUTHORIZED");
    for (const session of [user, other]) {
      expect((await me(base, session.accessToken)).status).toBe(401);
      expect(
        (await call(base, "mutation", "auth.refresh", { cookie: session.cookie })).status,
      ).toBe(401);
    }
    // The generic answer of a wrong password: a disabled account is not told apart.
    const refused = await call(base, "mutation", "auth.login", {
      input: { email: user.email, password: user.password },
    });
    expect(refused.status).toBe(401);
    expect(authCodeOf(refused)).toBe("INVALID_CREDENTIALS");
    expect(eventsOf("user.disabled", user.userId).map((e) => e.actorId)).toEqual([admin.userId]);

    // Disabling again is harmless (a retry after a 503 completes) and logs nothing new.
    expect((await act("disableUser", user.userId)).status).toBe(200);
    expect(eventsOf("user.disabled", user.userId)).toHaveLength(1);

    expect((await act("enableUser", user.userId)).status).toBe(200);
    const back = await login(base, user.email, user.password);
    expect((await me(base, back.accessToken)).status).toBe(200);
    // Enabling does not bring the old sessions back.
    expect((await me(base, other.accessToken)).status).toBe(401);
    expect(eventsOf("user.enabled", user.userId).map((e) => e.actorId)).toEqual([admin.userId]);
  });

  it("revokeSessions signs the user out everywhere without disabling them", async () => {
    const user = await registerAndLogin(base);
    const stream = await liveStream(base, user);
    expect((await act("revokeSessions", user.userId)).status).toBe(200);
    expect((await stream.waitFor(isRevoked)).data).toEqual({
      type: "revoked",
      reason: "revoked_by_admin",
    });
    expect((await me(base, user.accessToken)).status).toBe(401);
    expect((await call(base, "mutation", "auth.refresh", { cookie: user.cookie })).status).toBe(
      401,
    );
    const again = await login(base, user.email, user.password);
    expect((await me(base, again.accessToken)).status).toBe(200);
    expect(eventsOf("sessions.revoked_by_admin", user.userId)).toHaveLength(1);
  });

  it("refuses the new actions to a non-admin and answers NOT_FOUND for an unknown user", async () => {
    const user = await registerAndLogin(base);
    const victim = await registerAndLogin(base);
    for (const procedure of ["disableUser", "enableUser", "revokeSessions"]) {
      expect((await act(procedure, victim.userId, user.accessToken)).status).toBe(403);
      expect((await act(procedure, crypto.randomUUID())).status).toBe(404);
    }
    expect((await me(base, victim.accessToken)).status).toBe(200);
  });

  it("pages the user list and searches it by email, wildcards taken literally, without hashes", async () => {
    const label = `page${Date.now()}`;
    const emails = [`${label}_a@example.com`, `${label}xa@example.com`, `${label}_b@example.com`];
    for (const email of emails) await registerAndLogin(base, { email });
    type Page = {
      users: { email: string; disabled: boolean; emailVerified: boolean }[];
      total: number;
      page: number;
      pageSize: number;
    };
    const list = (input: unknown) =>
      call<Page>(base, "query", "admin.users", { token: admin.accessToken, input });

    const first = await list({ email: label.toUpperCase(), pageSize: 2 });
    expect(first.data.total).toBe(3);
    expect(first.data.users.map((u) => u.email)).toEqual(emails.slice(0, 2));
    const second = await list({ email: label, pageSize: 2, page: 2 });
    expect(second.data.users.map((u) => u.email)).toEqual(emails.slice(2));
    expect(second.data.users[0]).toMatchObject({ disabled: false, emailVerified: false });
    // `_` is a character, not LIKE's "any character": `x` does not match it.
    const literal = await list({ email: `${label}_` });
    expect(literal.data.users.map((u) => u.email)).toEqual([emails[0], emails[2]]);
    expect(first.text).not.toMatch(/argon2|password/i);

    const everyone = await list(undefined);
    expect(everyone.data.pageSize).toBe(20);
    expect(everyone.data.total).toBeGreaterThanOrEqual(4);
    expect((await list({ pageSize: 101 })).status).toBe(400);
  });
});

describe("the last enabled admin", () => {
  let server: TestServer;
  beforeAll(async () => {
    // A database of its own: the guard counts every admin in it.
    const db = await createTestDatabase(await quickDatabase());
    server = await startTestServer({ database: db.kind, store: "database", db });
  });
  afterAll(async () => {
    await server?.close();
    await server?.db.destroy();
  });

  it("cannot be disabled or demoted; with a second admin, either can", async () => {
    const first = await signedInAdmin(server);
    const self = (procedure: string, input: unknown, token = first.accessToken) =>
      call(server.url, "mutation", `admin.${procedure}`, { token, input });

    const disabled = await self("disableUser", { userId: first.userId });
    expect(disabled.status).toBe(409);
    expect(authCodeOf(disabled)).toBe("LAST_ADMIN");
    expect(authCodeOf(await self("setRole", { userId: first.userId, role: "user" }))).toBe(
      "LAST_ADMIN",
    );
    expect((await me(server.url, first.accessToken)).status).toBe(200);

    const second = await signedInAdmin(server);
    expect((await self("disableUser", { userId: second.userId })).status).toBe(200);
    // The disabled admin does not count: the first is the last enabled one again.
    expect(authCodeOf(await self("setRole", { userId: first.userId, role: "user" }))).toBe(
      "LAST_ADMIN",
    );
    expect(authCodeOf(await self("disableUser", { userId: first.userId }))).toBe("LAST_ADMIN");
    expect((await self("enableUser", { userId: second.userId })).status).toBe(200);
    const back = await login(server.url, second.email, second.password);
    expect((await self("disableUser", { userId: first.userId }, back.accessToken)).status).toBe(
      200,
    );
    expect((await me(server.url, first.accessToken)).status).toBe(401);
  });
});
