/**
 * Issue 23, finding 1, defence in depth: `adminProcedure` trusts the token's `role`. A correctly
 * signed token (a leaked or weak verification key) with the user's own `sub`, `sid`, `ver`,
 * `auth_time` and `amr` and `role: "admin"` promoted its bearer. The per-request revocation
 * check now compares the token's role with the database's in the same round trip, on every store
 * (the database, Upstash REST, a plain Redis) and both databases: such a token is refused with
 * the cause `TOKEN_ROLE_MISMATCH` (and a `token.role_mismatch` event), every time and under
 * concurrency, and a token minted before a demotion is refused too.
 */
import { randomUUID } from "node:crypto";

import { decodeJwt, SignJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import {
  call,
  LogCapture,
  registerAndLogin,
  signedInAdmin,
  startTestServer,
  storeKinds,
  TEST_SECRET,
  type SignedIn,
  type TestServer,
} from "./harness";

const ISSUER = "http://app.test";
const AUDIENCE = "web";

/** A token shaped exactly like ours (auth_time and amr included), signed with the server's key. */
function forge(claims: JWTPayload, clockMs: number): Promise<string> {
  const now = Math.floor(clockMs / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

/** The user's own claims, a fresh jti, and the role asked for. */
function claimsOf(user: SignedIn, role: "user" | "admin"): JWTPayload {
  const { sub, sid, ver, auth_time, amr } = decodeJwt(user.accessToken);
  return { sub, sid, ver, auth_time, amr, jti: randomUUID(), role };
}

const kinds = await databaseKinds();
const stores = await storeKinds("database", "upstash", "redis");
// The memory store is the embedded default's: only on the database its process owns.
const cases = [
  ...kinds.flatMap((kind) => stores.map((store) => [kind, store] as const)),
  ...(kinds.includes("pglite") ? [["pglite", "memory"] as const] : []),
];

describe.each(cases)(
  "a token whose role is not the user's, on %s with the %s store",
  (database, store) => {
    let server: TestServer;
    const capture = new LogCapture();
    beforeAll(async () => {
      server = await startTestServer({
        database,
        store,
        env: { LOG_LEVEL: "info" },
        logDestination: capture,
      });
    });
    afterAll(() => server.close());

    /** The cause the request log gave for each answer to `path` with this status. */
    const reasons = (path: string, status: number) =>
      capture.lines
        .filter((line) => line.path === `/api/trpc/${path}` && line.status === status)
        .map((line) => (line.error as { reason?: string } | undefined)?.reason);

    it("forged with role admin: refused on every path, every time, concurrently, and reported", async () => {
      const user = await registerAndLogin(server.url);
      const now = server.clock.now();
      // The control: the same forgery with the user's real role is accepted, so what refuses the
      // next one is its role, not its shape (auth_time, amr, jti, lifetime are all as we mint them).
      const honest = await forge(claimsOf(user, "user"), now);
      expect((await call(server.url, "query", "user.me", { token: honest })).status).toBe(200);

      const forged = await forge(claimsOf(user, "admin"), now);
      const promote = () =>
        call(server.url, "mutation", "admin.setRole", {
          token: forged,
          input: { userId: user.userId, role: "admin" },
        });
      // Again and again (a refused token never becomes "known" and skips the database)…
      for (let attempt = 0; attempt < 3; attempt++) expect((await promote()).status).toBe(401);
      // …and many at once (none may ride on another's signature check).
      const concurrent = await Promise.all(Array.from({ length: 8 }, promote));
      expect(concurrent.map((r) => r.status)).toEqual(Array(8).fill(401));
      // Every protected path refuses it, the ticket for live streams included.
      for (const [type, path] of [
        ["query", "user.me"],
        ["query", "admin.users"],
        ["mutation", "auth.ticket"],
      ] as const)
        expect((await call(server.url, type, path, { token: forged })).status, path).toBe(401);

      const row = await server.db.prisma.user.findUniqueOrThrow({ where: { id: user.userId } });
      expect(row.role).toBe("user");
      await capture.until(
        (lines) => lines.filter((l) => l.path === "/api/trpc/admin.setRole").length >= 11,
      );
      expect(reasons("admin.setRole", 401)).toEqual(Array(11).fill("TOKEN_ROLE_MISMATCH"));
      expect(reasons("auth.ticket", 401)).toContain("TOKEN_ROLE_MISMATCH");
      const events = capture.lines.filter(
        (line) => line.event === "token.role_mismatch" && line.userId === user.userId,
      );
      expect(events.length).toBeGreaterThanOrEqual(11);
      expect(events[0]).toMatchObject({
        role: "admin",
        sessionId: decodeJwt(user.accessToken).sid,
      });
      // The user's own token still works: nothing of theirs was revoked by someone else's forgery.
      expect((await call(server.url, "query", "user.me", { token: user.accessToken })).status).toBe(
        200,
      );
    });

    it("minted before a demotion: refused at once, though this process already knew it", async () => {
      const demoted = await signedInAdmin(server);
      const other = await signedInAdmin(server);
      expect(
        (await call(server.url, "query", "admin.users", { token: demoted.accessToken })).status,
      ).toBe(200);
      await server.app.auth.admin.setRole({ id: other.userId }, demoted.userId, "user");
      const refused = await call(server.url, "query", "admin.users", {
        token: demoted.accessToken,
      });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe("Bearer");
    });

    it("changed in the database behind the application's back: refused as a role mismatch", async () => {
      const admin = await signedInAdmin(server);
      await signedInAdmin(server); // not the last admin
      await server.db.prisma.user.update({ where: { id: admin.userId }, data: { role: "user" } });
      const refused = await call(server.url, "query", "admin.users", { token: admin.accessToken });
      expect(refused.status).toBe(401);
      expect(reasons("admin.users", 401)).toContain("TOKEN_ROLE_MISMATCH");
    });

    it("the store itself answers `role` for a claim of the role the user lost, in one check", async () => {
      const demoted = await signedInAdmin(server);
      const other = await signedInAdmin(server);
      await server.app.auth.admin.setRole({ id: other.userId }, demoted.userId, "user");
      const fresh = await call<{ accessToken: string }>(server.url, "mutation", "auth.login", {
        input: { email: demoted.email, password: demoted.password },
      });
      const claims = decodeJwt(fresh.data.accessToken) as {
        sub: string;
        sid: string;
        jti: string;
        ver: number;
        role: "user" | "admin";
      };
      expect(claims.role).toBe("user");
      const { store } = server.app.auth;
      expect(await store.isRevoked(claims)).toBe("live");
      expect(await store.isRevoked({ ...claims, role: "admin" })).toBe("role");
      expect(await store.isRevoked({ ...claims, ver: claims.ver - 1 })).toBe("revoked");
    });
  },
);
