/**
 * Issue 28: the embedded default owns its database, so revocations and rate-limit counters are
 * served from memory and written through. What must not change: a revocation refuses the next
 * request, and a restart (a new process on the same database) still knows every revocation and
 * every counter, without the first-sight database check helping it.
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "@authkit/db/testing";

import {
  call,
  registerAndLogin,
  signedInAdmin,
  startTestServer,
  uniqueEmail,
  type TestServer,
} from "./harness";

type Claims = { jti: string; sid: string; sub: string; ver: number; role: "user" | "admin" };
const claimsOf = (token: string) => decodeJwt(token) as unknown as Claims;

const LIMITS = { TRUST_PROXY: "true", RATE_LIMIT_LOGIN_IP: "3/1m" };
const from = { "x-forwarded-for": "10.28.0.1" };

describe("the embedded default's memory store and limiter", () => {
  let db: TestDatabase;
  let server: TestServer;
  const start = () => startTestServer({ database: "pglite", store: "memory", env: LIMITS, db });

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    server = await start();
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it("is what the server uses", () => {
    expect(server.app.auth.store.name).toBe("memory");
    expect(server.app.auth.rateLimiter.name).toBe("memory");
  });

  it("refuses a revoked token on the next request, and again after a restart", async () => {
    const admin = await signedInAdmin(server);
    const revoked = await registerAndLogin(server.url);
    const kept = await registerAndLogin(server.url);
    for (const user of [revoked, kept])
      expect((await call(server.url, "query", "user.me", { token: user.accessToken })).status).toBe(
        200,
      );
    const revoke = await call(server.url, "mutation", "admin.revokeSessions", {
      token: admin.accessToken,
      input: { userId: revoked.userId },
    });
    expect(revoke.status).toBe(200);
    // Known to this process (vouched by the database above): only the store answers now.
    expect(
      (await call(server.url, "query", "user.me", { token: revoked.accessToken })).status,
    ).toBe(401);
    expect((await call(server.url, "query", "user.me", { token: kept.accessToken })).status).toBe(
      200,
    );

    await server.close();
    server = await start();
    // The new process's store knows the revocation before any request (reloaded from the database).
    expect(await server.app.auth.store.isRevoked(claimsOf(revoked.accessToken))).toBe("revoked");
    expect(await server.app.auth.store.isRevoked(claimsOf(kept.accessToken))).toBe("live");
    expect(
      (await call(server.url, "query", "user.me", { token: revoked.accessToken })).status,
    ).toBe(401);
    expect((await call(server.url, "query", "user.me", { token: kept.accessToken })).status).toBe(
      200,
    );
  });

  it("keeps an address's failed logins across a restart", async () => {
    const email = uniqueEmail("limited");
    const login = () =>
      call(server.url, "mutation", "auth.login", {
        input: { email, password: "wrong password" },
        headers: from,
      });
    for (let i = 0; i < 3; i++) expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(429);
    await server.close();
    server = await start();
    expect((await login()).status).toBe(429);
    // The window still ends on the clock, as with the database limiter.
    server.clock.advance(61);
    expect((await login()).status).toBe(401);
  });
});
