import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sha256 } from "@authkit/auth/internal";
import { databaseKinds } from "@authkit/db/testing";

import {
  call,
  cookieFrom,
  login,
  matrix,
  rawRefreshToken,
  registerAndLogin,
  startTestServer,
  uniqueEmail,
  type TestServer,
} from "./harness";

// Every database and store on the node mount; the route-handler (fetch) mount on each database.
const combos = [
  ...matrix(await databaseKinds()).map(([d, s]) => [d, s, "node"] as const),
  ...(await databaseKinds()).map((d) => [d, "database", "fetch"] as const),
];
const UNAUTHORIZED = { message: "Unauthorized", code: -32001 };

describe.each(combos)(
  "auth flow on %s with the %s revocation store, %s mount",
  (database, store, mount) => {
    let server: TestServer;
    let base: string;
    beforeAll(async () => {
      server = await startTestServer({ database, store, mount });
      base = server.url;
    });
    afterAll(() => server.close());

    it("registers, logs in, reads the user, refreshes and logs out", async () => {
      const email = uniqueEmail("Flow");
      const registered = await call<{ user: Record<string, unknown> }>(
        base,
        "mutation",
        "auth.register",
        {
          input: {
            email: `  ${email.toUpperCase()} `,
            password: "correct horse battery",
            name: "Flo",
          },
        },
      );
      expect(registered.status).toBe(200);
      expect(registered.data.user).toEqual({
        id: expect.any(String),
        email: email.toLowerCase(),
        name: "Flo",
        role: "user",
      });

      const loggedIn = await call<{
        accessToken: string;
        tokenType: string;
        expiresIn: number;
        user: { id: string };
      }>(base, "mutation", "auth.login", { input: { email, password: "correct horse battery" } });
      expect(loggedIn.status).toBe(200);
      expect(loggedIn.data).toMatchObject({
        tokenType: "Bearer",
        expiresIn: 900,
        user: registered.data.user,
      });
      expect(loggedIn.text).not.toContain("refresh");
      const setCookie = loggedIn.headers.getSetCookie()[0]!;
      expect(setCookie).toMatch(
        /^refresh_token=[\w-]{43}; Path=\/api; Max-Age=604800; HttpOnly; SameSite=Strict$/,
      );
      const cookie = cookieFrom(loggedIn)!;

      const me = await call(base, "query", "user.me", { token: loggedIn.data.accessToken });
      expect(me.status).toBe(200);
      expect(me.data).toEqual({ ...registered.data.user, emailVerified: false });

      const refreshed = await call<{ accessToken: string }>(base, "mutation", "auth.refresh", {
        cookie,
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.data.accessToken).not.toBe(loggedIn.data.accessToken);
      const rotatedCookie = cookieFrom(refreshed)!;
      expect(rotatedCookie).not.toBe(cookie);

      const logout = await call(base, "mutation", "auth.logout", {
        cookie: rotatedCookie,
        token: refreshed.data.accessToken,
      });
      expect(logout.status).toBe(200);
      expect(logout.data).toEqual({ ok: true });
      expect(logout.headers.getSetCookie()[0]).toMatch(/^refresh_token=; Path=\/api; Max-Age=0/);

      const after = await call(base, "query", "user.me", { token: refreshed.data.accessToken });
      expect(after.status).toBe(401);
      expect(after.headers.get("www-authenticate")).toBe("Bearer");
      expect(after.body.error).toMatchObject(UNAUTHORIZED);
      // The session is dead for refresh too.
      expect((await call(base, "mutation", "auth.refresh", { cookie: rotatedCookie })).status).toBe(
        401,
      );
    });

    it("gives each of 50 concurrent refreshes with one token its own sibling, and loses no row", async () => {
      const user = await registerAndLogin(base);
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          call<{ accessToken: string }>(base, "mutation", "auth.refresh", { cookie: user.cookie }),
        ),
      );
      // A race inside the reuse grace is not theft: everyone gets a working pair.
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
      const cookies = results.map((r) => cookieFrom(r)!);
      expect(new Set(cookies).size).toBe(50);
      // Exactly one new family member per request, none lost or duplicated, the original consumed.
      const sessionId = (
        await server.db.prisma.refreshToken.findUniqueOrThrow({
          where: { tokenHash: sha256(rawRefreshToken(user.cookie)) },
          select: { sessionId: true, consumedAt: true },
        })
      ).sessionId;
      const family = await server.db.prisma.refreshToken.findMany({
        where: { sessionId },
        select: { tokenHash: true, consumedAt: true },
      });
      expect(family).toHaveLength(51);
      expect(family.filter((t) => t.consumedAt === null)).toHaveLength(50);
      expect(new Set(family.map((t) => t.tokenHash)).size).toBe(51);
      expect(new Set(cookies.map((c) => sha256(rawRefreshToken(c))))).toEqual(
        new Set(family.filter((t) => t.consumedAt === null).map((t) => t.tokenHash)),
      );
      for (const result of results.slice(0, 3)) {
        expect(
          (await call(base, "query", "user.me", { token: result.data.accessToken })).status,
        ).toBe(200);
        expect(
          (await call(base, "mutation", "auth.refresh", { cookie: cookieFrom(result) })).status,
        ).toBe(200);
      }
    });

    it("treats a replay after the grace as theft: every session of the user dies", async () => {
      const user = await registerAndLogin(base);
      const other = await login(base, user.email, user.password);
      const first = await call<{ accessToken: string }>(base, "mutation", "auth.refresh", {
        cookie: user.cookie,
      });
      expect(first.status).toBe(200);
      server.clock.advance(11);
      try {
        const replay = await call(base, "mutation", "auth.refresh", { cookie: user.cookie });
        expect(replay.status).toBe(401);
        expect(replay.body.error).toMatchObject(UNAUTHORIZED);
        for (const token of [first.data.accessToken, other.accessToken]) {
          expect((await call(base, "query", "user.me", { token })).status).toBe(401);
        }
        for (const cookie of [cookieFrom(first), other.cookie]) {
          expect((await call(base, "mutation", "auth.refresh", { cookie })).status).toBe(401);
        }
      } finally {
        server.clock.advance(-11);
      }
    });

    it("logoutAll kills every session and access token of the user", async () => {
      const a = await registerAndLogin(base);
      const b = await login(base, a.email, a.password);
      expect(
        (await call(base, "mutation", "auth.logoutAll", { token: a.accessToken })).status,
      ).toBe(200);
      for (const s of [a, b]) {
        expect((await call(base, "query", "user.me", { token: s.accessToken })).status).toBe(401);
        expect((await call(base, "mutation", "auth.refresh", { cookie: s.cookie })).status).toBe(
          401,
        );
      }
      // A fresh login works again.
      const again = await login(base, a.email, a.password);
      expect((await call(base, "query", "user.me", { token: again.accessToken })).status).toBe(200);
    });

    it("changePassword keeps this session and kills the others", async () => {
      const a = await registerAndLogin(base);
      const b = await login(base, a.email, a.password);
      const wrong = await call(base, "mutation", "auth.changePassword", {
        token: a.accessToken,
        input: { currentPassword: "not my password", newPassword: "a brand new password" },
      });
      expect(wrong.status).toBe(400);
      const changed = await call(base, "mutation", "auth.changePassword", {
        token: a.accessToken,
        input: { currentPassword: a.password, newPassword: "a brand new password" },
      });
      expect(changed.status).toBe(200);
      expect((await call(base, "query", "user.me", { token: a.accessToken })).status).toBe(200);
      expect((await call(base, "query", "user.me", { token: b.accessToken })).status).toBe(401);
      expect((await call(base, "mutation", "auth.refresh", { cookie: b.cookie })).status).toBe(401);
      const old = await call(base, "mutation", "auth.login", {
        input: { email: a.email, password: a.password },
      });
      expect(old.status).toBe(401);
      await login(base, a.email, "a brand new password");
    });

    it("lists sessions and revokes another one on its next request", async () => {
      const a = await registerAndLogin(base);
      const b = await login(base, a.email, a.password);
      const list = await call<
        {
          id: string;
          current: boolean;
          createdAt: string;
          lastUsedAt: string;
          userAgent: string | null;
        }[]
      >(base, "query", "session.list", { token: a.accessToken, headers: {} });
      expect(list.status).toBe(200);
      expect(list.data).toHaveLength(2);
      expect(list.data.filter((s) => s.current)).toHaveLength(1);
      expect(Object.keys(list.data[0]!).sort()).toEqual([
        "createdAt",
        "current",
        "id",
        "lastUsedAt",
        "userAgent",
      ]);
      const otherId = list.data.find((s) => !s.current)!.id;

      // Someone else's session cannot be revoked (or even confirmed to exist).
      const stranger = await registerAndLogin(base);
      const foreign = await call(base, "mutation", "session.revoke", {
        token: stranger.accessToken,
        input: { id: otherId },
      });
      expect(foreign.status).toBe(404);
      expect((await call(base, "query", "user.me", { token: b.accessToken })).status).toBe(200);

      expect(
        (
          await call(base, "mutation", "session.revoke", {
            token: a.accessToken,
            input: { id: otherId },
          })
        ).status,
      ).toBe(200);
      expect((await call(base, "query", "user.me", { token: b.accessToken })).status).toBe(401);
      expect((await call(base, "mutation", "auth.refresh", { cookie: b.cookie })).status).toBe(401);
      expect((await call(base, "query", "user.me", { token: a.accessToken })).status).toBe(200);
    });

    it("says the same thing for a wrong password and an unknown email", async () => {
      const a = await registerAndLogin(base);
      const wrong = await call(base, "mutation", "auth.login", {
        input: { email: a.email, password: "wrong password!" },
      });
      const unknown = await call(base, "mutation", "auth.login", {
        input: { email: uniqueEmail("ghost"), password: "wrong password!" },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.error?.message).toBe("Invalid email or password");
      expect(unknown.text).toBe(wrong.text.replace(/"path":"[^"]*"/, '"path":"auth.login"'));
    });

    it("rejects a duplicate registration clearly and bad input with zod issues", async () => {
      const email = uniqueEmail("dup");
      await call(base, "mutation", "auth.register", {
        input: { email, password: "long enough pw" },
      });
      const dup = await call(base, "mutation", "auth.register", {
        input: { email: email.toUpperCase(), password: "long enough pw" },
      });
      expect(dup.status).toBe(409);
      expect(dup.body.error?.message).toBe("An account with this email already exists");

      const bad = await call(base, "mutation", "auth.register", {
        input: { email: "not-an-email", password: "short" },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error?.data.code).toBe("BAD_REQUEST");
      expect(bad.body.error?.data.zodError).toMatchObject({
        fieldErrors: {
          email: ["Enter a valid email address"],
          password: ["Password must be at least 8 characters"],
        },
      });
      const long = await call(base, "mutation", "auth.register", {
        input: { email: uniqueEmail(), password: "x".repeat(257) },
      });
      expect(long.status).toBe(400);
    });

    it("applies an admin's demotion on the next request", async () => {
      const admin = await registerAndLogin(base);
      await server.app.auth.admin.setRole({ id: admin.userId }, admin.userId, "admin");
      // The old token carried role=user; the role change raised the version, so log in again.
      const adminSession = await login(base, admin.email, admin.password);
      const target = await registerAndLogin(base);
      await server.app.auth.admin.setRole({ id: target.userId }, target.userId, "admin");
      const promoted = await login(base, target.email, target.password);

      const users = await call<{ id: string }[]>(base, "query", "admin.users", {
        token: promoted.accessToken,
      });
      expect(users.status).toBe(200);
      expect(users.text).not.toMatch(/argon2|password/i);

      const demote = await call(base, "mutation", "admin.setRole", {
        token: adminSession.accessToken,
        input: { userId: target.userId, role: "user" },
      });
      expect(demote.status).toBe(200);
      expect(
        (await call(base, "query", "admin.users", { token: promoted.accessToken })).status,
      ).toBe(401);
      // A refresh gives a token with the new role: 403, not 401, from now on.
      const refreshed = await call<{ accessToken: string; user: { role: string } }>(
        base,
        "mutation",
        "auth.refresh",
        { cookie: promoted.cookie },
      );
      expect(refreshed.data.user.role).toBe("user");
      expect(
        (await call(base, "query", "admin.users", { token: refreshed.data.accessToken })).status,
      ).toBe(403);
    });

    it("refuses cross-site refresh and logout", async () => {
      const a = await registerAndLogin(base);
      const crossSite = await call(base, "mutation", "auth.refresh", {
        cookie: a.cookie,
        headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      });
      expect(crossSite.status).toBe(403);
      const foreignOrigin = await call(base, "mutation", "auth.logout", {
        cookie: a.cookie,
        headers: { origin: "https://evil.example" },
      });
      expect(foreignOrigin.status).toBe(403);
      // Nothing changed: the cookie still refreshes from the app's own origin.
      const sameSite = await call(base, "mutation", "auth.refresh", {
        cookie: a.cookie,
        headers: { "sec-fetch-site": "same-origin", origin: "http://app.test" },
      });
      expect(sameSite.status).toBe(200);
    });

    it("stores only hashes of refresh tokens and never returns a password hash", async () => {
      const a = await registerAndLogin(base);
      const refreshed = await call(base, "mutation", "auth.refresh", { cookie: a.cookie });
      const raws = [rawRefreshToken(a.cookie), rawRefreshToken(cookieFrom(refreshed))];
      const { prisma } = server.db;
      const dump = JSON.stringify([
        await prisma.refreshToken.findMany(),
        await prisma.session.findMany(),
        await prisma.user.findMany(),
        await prisma.revokedAccessToken.findMany(),
      ]);
      for (const raw of raws) {
        expect(raw).toHaveLength(43);
        expect(dump).not.toContain(raw);
      }
      expect(dump).toContain("$argon2id$v=19$m=19456,t=2,p=1$");
      const responses = [
        await call(base, "query", "user.me", { token: a.accessToken }),
        await call(base, "query", "session.list", { token: a.accessToken }),
        await call(base, "mutation", "auth.login", {
          input: { email: a.email, password: a.password },
        }),
      ];
      for (const r of responses) expect(r.text).not.toContain("argon2");
    });
  },
);
