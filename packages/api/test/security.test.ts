/**
 * Regressions for the outside security review (issue 13), over HTTP: each finding has a test
 * here that failed on the code the review attacked. The core-level ones (a login racing a
 * password change, the hasher's queue, rehash on login) are in packages/auth/test.
 */
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PasswordHasher } from "@authkit/auth";
import { createTestDatabase } from "@authkit/db/testing";
import { startUpstashRest } from "@authkit/upstash-rest";

import {
  call,
  cookieFrom,
  LogCapture,
  login,
  quickDatabase,
  registerAndLogin,
  startTestServer,
  TEST_SECRET,
  uniqueEmail,
  type TestServer,
} from "./harness";
import { errorCode, isError, isRevoked, openSse, subscriptionUrl, ticketFor } from "./sse";

const me = (base: string, token: string) => call(base, "query", "user.me", { token });
const deviceCookieOf = (result: { headers: Headers }) =>
  result.headers
    .getSetCookie()
    .find((c) => /^(__Secure-)?device_/.test(c))
    ?.split(";")[0] ?? null;

/** Sends one Redis command through the Upstash REST endpoint. */
async function redisCommand(server: TestServer, ...command: (string | number)[]) {
  const response = await fetch(server.upstash!.url, {
    method: "POST",
    headers: { authorization: "Bearer test-token" },
    body: JSON.stringify(command),
  });
  return ((await response.json()) as { result: unknown }).result;
}

describe("finding 1: the admin bootstrap", () => {
  it("never turns a squatter's registration into admin rights", async () => {
    const db = await createTestDatabase(await quickDatabase());
    const email = uniqueEmail("admin");
    const first = await startTestServer({ database: "pglite", store: "database", db });
    try {
      await registerAndLogin(first.url, { email, password: "the squatter's password" });
    } finally {
      await first.close();
    }
    const second = await startTestServer({
      database: "pglite",
      store: "database",
      db,
      env: { ADMIN_EMAIL: email, ADMIN_PASSWORD: "the operator's password" },
    });
    try {
      const squatter = await call(second.url, "mutation", "auth.login", {
        input: { email, password: "the squatter's password" },
      });
      expect(squatter.status).toBe(401);
      const operator = await login(second.url, email, "the operator's password");
      const users = await call(second.url, "query", "admin.users", { token: operator.accessToken });
      expect(users.status).toBe(200);
    } finally {
      await second.close();
      await db.destroy();
    }
  });
});

describe("findings 2, 3 and 9: Redis is a fast path, the database the truth", () => {
  let server: TestServer;
  beforeAll(async () => {
    // A database number of its own: this suite flushes it.
    server = await startTestServer({
      database: await quickDatabase(),
      store: "upstash",
      redisUrl: "redis://127.0.0.1:6379/7",
    });
  });
  afterAll(() => server.close());

  it("2: a revocation that answered 503 is written again by the retry, and then holds", async () => {
    const base = server.url;
    const user = await registerAndLogin(base);
    const sessions = await call<{ id: string; current: boolean }[]>(base, "query", "session.list", {
      token: user.accessToken,
    });
    const sid = sessions.data.find((s) => s.current)!.id;
    const upstash = server.upstash!;
    await upstash.close();
    // Logout by cookie: the session is revoked in the database, then the Redis write fails.
    const failed = await call(base, "mutation", "auth.logout", { cookie: user.cookie });
    expect(failed.status).toBe(503);
    const restarted = await startUpstashRest({
      token: "test-token",
      port: upstash.port,
      redisUrl: "redis://127.0.0.1:6379/7",
    });
    server.upstash = restarted;
    const retried = await call(base, "mutation", "auth.logout", { cookie: user.cookie });
    expect(retried.status).toBe(200);
    // The retry wrote Redis, although the database had nothing left to change.
    expect(await redisCommand(server, "EXISTS", `auth:rv:sid:${sid}`)).toBe(1);
    expect((await me(base, user.accessToken)).status).toBe(401);
    // Another instance on the same Redis and database sees it too.
    const other = await startTestServer({
      database: "pglite",
      store: "upstash",
      db: server.db,
      upstash: restarted,
    });
    try {
      expect((await me(other.url, user.accessToken)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it("2: a demotion that answered 503 takes effect, and the retry answers done", async () => {
    const base = server.url;
    const admin = await registerAndLogin(base);
    await server.app.auth.admin.setRole({ id: admin.userId }, admin.userId, "admin");
    const boss = await login(base, admin.email, admin.password);
    expect((await call(base, "query", "admin.users", { token: boss.accessToken })).status).toBe(
      200,
    );
    const demoted = await registerAndLogin(base);
    await server.app.auth.admin.setRole({ id: demoted.userId }, demoted.userId, "admin");
    const demotedAdmin = await login(base, demoted.email, demoted.password);
    expect(
      (await call(base, "query", "admin.users", { token: demotedAdmin.accessToken })).status,
    ).toBe(200);
    const upstash = server.upstash!;
    await upstash.close();
    // The role is committed to the database, then the store write fails: the call says so.
    await expect(
      server.app.auth.admin.setRole({ id: demoted.userId }, demoted.userId, "user"),
    ).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
    server.upstash = await startUpstashRest({
      token: "test-token",
      port: upstash.port,
      redisUrl: "redis://127.0.0.1:6379/7",
    });
    // The demoted admin's token does not keep admin.users, and the retry answers done.
    expect(
      (await call(base, "query", "admin.users", { token: demotedAdmin.accessToken })).status,
    ).toBe(401);
    const retried = await call(base, "mutation", "admin.setRole", {
      token: boss.accessToken,
      input: { userId: demoted.userId, role: "user" },
    });
    expect(retried.status).toBe(200);
    const again = await login(base, demoted.email, demoted.password);
    expect((await call(base, "query", "admin.users", { token: again.accessToken })).status).toBe(
      403,
    );
  });

  it("3: after Redis loses everything, a logged-out token stays refused and live ones work", async () => {
    const base = server.url;
    const gone = await registerAndLogin(base);
    const live = await registerAndLogin(base);
    expect((await me(base, live.accessToken)).status).toBe(200);
    expect(
      (
        await call(base, "mutation", "auth.logout", {
          token: gone.accessToken,
          cookie: gone.cookie,
        })
      ).status,
    ).toBe(200);
    expect(await redisCommand(server, "FLUSHDB")).toBe("OK");
    expect((await me(base, gone.accessToken)).status).toBe(401);
    expect((await me(base, live.accessToken)).status).toBe(200);
    // Rebuilt from the database: the epoch is back, and so is the revocation.
    await expect
      .poll(() => redisCommand(server, "EXISTS", "auth:rv:epoch"), { timeout: 60_000 })
      .toBe(1);
    expect((await me(base, gone.accessToken)).status).toBe(401);
    expect((await me(base, live.accessToken)).status).toBe(200);
  });

  it("9: a correctly signed token for an unknown user or session is refused", async () => {
    const base = server.url;
    const real = await registerAndLogin(base);
    const kid = server.app.auth.keys.signing.kid;
    const forge = (sub: string, sid: string) =>
      new SignJWT({ sid, role: "user", ver: 0 })
        .setProtectedHeader({ alg: "HS256", kid, typ: "JWT" })
        .setSubject(sub)
        .setJti(crypto.randomUUID())
        .setIssuer("http://app.test")
        .setAudience("web")
        .setIssuedAt(Math.floor(server.clock.now() / 1000))
        .setExpirationTime(Math.floor(server.clock.now() / 1000) + 600)
        .sign(new TextEncoder().encode(TEST_SECRET));
    const identity = await call<{ id: string }[]>(base, "query", "session.list", {
      token: real.accessToken,
    });
    const sid = (identity.data as unknown as { id: string; current: boolean }[]).find(
      (s) => s.current,
    )!.id;
    for (const token of [
      await forge(crypto.randomUUID(), crypto.randomUUID()),
      await forge(real.userId, crypto.randomUUID()),
      await forge(crypto.randomUUID(), sid),
    ]) {
      expect((await call(base, "query", "session.list", { token })).status).toBe(401);
    }
  });
});

describe("findings 6, 7 and 14: limits that bound work without locking owners out", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: {
        // Each test speaks for its own client address (TRUST_PROXY, one proxy: the test).
        TRUST_PROXY: "true",
        RATE_LIMIT_LOGIN_IP: "4/1m",
        RATE_LIMIT_LOGIN_SUCCESS_ACCOUNT: "3/1m",
        MAX_SESSIONS_PER_USER: "2",
      },
    });
  });
  afterAll(() => server.close());
  let address = 0;
  const fresh = () => ({ "x-forwarded-for": `198.51.100.${++address}` });

  it("6: the owner's browser signs in during an attack on the account; a fresh client waits", async () => {
    const base = server.url;
    const email = uniqueEmail();
    await call(base, "mutation", "auth.register", {
      input: { email, password: "correct horse battery" },
      headers: fresh(),
    });
    const first = await call(base, "mutation", "auth.login", {
      input: { email, password: "correct horse battery" },
      headers: fresh(),
    });
    const device = deviceCookieOf(first)!;
    expect(device).toMatch(/^device_[0-9a-f]{16}=/);
    for (let i = 0; i < 5; i++) {
      const guess = await call(base, "mutation", "auth.login", {
        input: { email, password: `guess number ${i}` },
        headers: fresh(),
      });
      expect(guess.status).toBe(401);
    }
    const attacker = await call(base, "mutation", "auth.login", {
      input: { email, password: "correct horse battery" },
      headers: fresh(),
    });
    expect(attacker.status).toBe(429);
    expect(Number(attacker.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const owner = await call(base, "mutation", "auth.login", {
      input: { email, password: "correct horse battery" },
      headers: fresh(),
      cookie: device,
    });
    expect(owner.status).toBe(200);
  });

  it("7: wrong current passwords are limited like failed logins", async () => {
    const headers = fresh();
    const user = await registerAndLogin(server.url);
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const result = await call(server.url, "mutation", "auth.changePassword", {
        token: user.accessToken,
        input: { currentPassword: `wrong ${i}`, newPassword: "a new long password" },
        headers,
      });
      statuses.push(result.status);
      if (result.status === 429) expect(result.headers.get("retry-after")).toMatch(/^\d+$/);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 429, 429]);
  });

  it("7: successful logins are bounded per account, and sessions per user", async () => {
    const base = server.url;
    const user = await registerAndLogin(base);
    const second = await login(base, user.email, user.password);
    // MAX_SESSIONS_PER_USER=2: the third login pushes the first session out.
    const third = await call(base, "mutation", "auth.login", {
      input: { email: user.email, password: user.password },
      headers: fresh(),
    });
    expect(third.status).toBe(200);
    expect((await me(base, user.accessToken)).status).toBe(401);
    expect((await call(base, "mutation", "auth.refresh", { cookie: user.cookie })).status).toBe(
      401,
    );
    expect((await me(base, second.accessToken)).status).toBe(200);
    // RATE_LIMIT_LOGIN_SUCCESS_ACCOUNT=3/1m: a fourth success in the minute waits.
    const fourth = await call(base, "mutation", "auth.login", {
      input: { email: user.email, password: user.password },
      headers: fresh(),
    });
    expect(fourth.status).toBe(429);
  });

  it("14: registration shares the address's login budget, so it cannot enumerate at scale", async () => {
    const base = server.url;
    const taken = await registerAndLogin(base);
    const headers = fresh();
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const result = await call(base, "mutation", "auth.register", {
        input: { email: taken.email, password: "some long password" },
        headers,
      });
      statuses.push(result.status);
    }
    expect(statuses).toEqual([409, 409, 409, 409, 429]);
  });

  it("7: a flood of logins beyond the hasher's queue gets 503 with Retry-After", async () => {
    const tight = await startTestServer({
      database: "pglite",
      store: "database",
      db: server.db,
      passwords: new PasswordHasher({ maxConcurrent: 1, maxQueued: 1 }),
    });
    try {
      const user = await registerAndLogin(tight.url);
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          call(tight.url, "mutation", "auth.login", {
            input: { email: user.email, password: "not the password" },
          }),
        ),
      );
      const busy = results.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      for (const r of busy) expect(r.headers.get("retry-after")).toBe("1");
    } finally {
      await tight.close();
    }
  });
});

describe("finding 8: the client address behind proxies", () => {
  const limits = { RATE_LIMIT_LOGIN_IP: "3/1m", RATE_LIMIT_LOGIN_ACCOUNT: "100/1m" };
  /** Failed logins whose leftmost X-Forwarded-For entry changes every time. */
  async function spoofedFailures(base: string, count: number, rightmost?: string) {
    const statuses = [];
    for (let i = 0; i < count; i++) {
      const chain = rightmost ? `10.9.8.${i}, ${rightmost}` : `10.9.8.${i}`;
      const result = await call(base, "mutation", "auth.login", {
        input: { email: uniqueEmail(), password: "wrong password" },
        headers: { "x-forwarded-for": chain },
      });
      statuses.push(result.status);
    }
    return statuses;
  }

  it.each([
    ["node", "true"],
    ["node", "127.0.0.1/8"],
    ["node", "loopback"],
    ["fetch", "1"],
  ] as const)(
    "%s mount, TRUST_PROXY=%s: a client cannot choose its address by prepending",
    async (mount, trust) => {
      const server = await startTestServer({
        database: await quickDatabase(),
        store: "database",
        mount,
        env: { ...limits, TRUST_PROXY: trust },
      });
      try {
        expect(await spoofedFailures(server.url, 4, "203.0.113.77")).toEqual([401, 401, 401, 429]);
        // Another real client is not affected.
        expect(await spoofedFailures(server.url, 1, "203.0.113.78")).toEqual([401]);
      } finally {
        await server.close();
      }
    },
  );

  it("fetch mount without TRUST_PROXY: unknown addresses share one documented bucket", async () => {
    const server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      mount: "fetch",
      env: { ...limits, TRUST_PROXY: "false" },
    });
    try {
      // Ten times the per-address limit, whatever X-Forwarded-For says.
      const statuses = await spoofedFailures(server.url, 31);
      expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
      expect(statuses[30]).toBe(429);
    } finally {
      await server.close();
    }
  });
});

describe("findings 10, 12, 13, 16 and 17", () => {
  it("10: a token minted under a longer ACCESS_TOKEN_TTL is refused once the TTL is lowered", async () => {
    const db = await createTestDatabase(await quickDatabase());
    const long = await startTestServer({
      database: "pglite",
      store: "database",
      db,
      env: { ACCESS_TOKEN_TTL: "1h" },
    });
    let user;
    try {
      user = await registerAndLogin(long.url);
      expect((await me(long.url, user.accessToken)).status).toBe(200);
    } finally {
      await long.close();
    }
    const short = await startTestServer({
      database: "pglite",
      store: "database",
      db,
      env: { ACCESS_TOKEN_TTL: "5m" },
    });
    try {
      expect((await me(short.url, user.accessToken)).status).toBe(401);
      const fresh = await login(short.url, user.email, user.password);
      expect((await me(short.url, fresh.accessToken)).status).toBe(200);
    } finally {
      await short.close();
      await db.destroy();
    }
  });

  // Not a regression of the old code (which sized the entry from the configured TTL, the same
  // here): the rule that keeps it right whatever TTL minted the token.
  it("10: a denied token's Redis entry lives as long as the token itself", async () => {
    const server = await startTestServer({
      database: await quickDatabase(),
      store: "upstash",
      env: { ACCESS_TOKEN_TTL: "2h" },
    });
    try {
      const user = await registerAndLogin(server.url);
      const [, payload] = user.accessToken.split(".");
      const { jti, exp } = JSON.parse(Buffer.from(payload!, "base64url").toString()) as {
        jti: string;
        exp: number;
      };
      await call(server.url, "mutation", "auth.logout", { token: user.accessToken });
      const ttl = Number(await redisCommand(server, "TTL", `auth:rv:jti:${jti}`));
      const remaining = exp - Math.floor(server.clock.now() / 1000);
      expect(ttl).toBeGreaterThanOrEqual(remaining);
      expect(ttl).toBeLessThanOrEqual(remaining + 10);
    } finally {
      await server.close();
    }
  });

  it.each([
    ["production over https", { NODE_ENV: "production", APP_URL: "https://app.test" }, true],
    [
      "production over plain http",
      { NODE_ENV: "production", APP_URL: "http://localhost:3000" },
      false,
    ],
    ["development over https", { NODE_ENV: "development", APP_URL: "https://app.test" }, true],
  ] as const)("12: cookies in %s", async (_, env, secure) => {
    const server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env,
    });
    try {
      const email = uniqueEmail();
      await call(server.url, "mutation", "auth.register", {
        input: { email, password: "correct horse battery" },
      });
      const result = await call(server.url, "mutation", "auth.login", {
        input: { email, password: "correct horse battery" },
      });
      expect(result.status).toBe(200);
      const [refresh, device] = result.headers.getSetCookie();
      const prefix = secure ? "__Secure-" : "";
      const attributes = `Path=/api; Max-Age=\\d+; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}$`;
      expect(refresh).toMatch(new RegExp(`^${prefix}refresh_token=[\\w-]{43}; ${attributes}`));
      expect(device).toMatch(new RegExp(`^${prefix}device_[0-9a-f]{16}=[\\w.-]+; ${attributes}`));
      // The cookie the server set is the one it reads back.
      const cookie = refresh!.split(";")[0]!;
      expect((await call(server.url, "mutation", "auth.refresh", { cookie })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("13: a ticket minted with an access token revoked by RFC 7009 opens nothing, and a stream ends", async () => {
    const server = await startTestServer({ database: await quickDatabase(), store: "database" });
    try {
      const base = server.url;
      const user = await registerAndLogin(base);
      const streamTicket = await ticketFor(base, user.accessToken);
      const spareTicket = await ticketFor(base, user.accessToken);
      const stream = await openSse(
        subscriptionUrl(base, "session.events", { ticket: streamTicket }),
      );
      await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
      const revoked = await fetch(`${base}/api/auth/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: user.accessToken }),
      });
      expect(revoked.status).toBe(200);
      expect((await stream.waitFor(isRevoked)).data).toEqual({
        type: "revoked",
        reason: "token_revoked",
      });
      expect(errorCode(await stream.waitFor(isError))).toBe("UNAUTHORIZED");
      const refused = await openSse(
        subscriptionUrl(base, "session.events", { ticket: spareTicket }),
      );
      expect(refused.status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it("16 and 17: the log names the signing key, and an expired token's cause", async () => {
    const capture = new LogCapture();
    const server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: { LOG_LEVEL: "info", ACCESS_TOKEN_TTL: "60s" },
      logDestination: capture,
    });
    try {
      // An HS256 secret is named by its variable, never by anything computed from it.
      expect(capture.lines).toContainEqual(
        expect.objectContaining({ msg: "signing key", alg: "HS256", source: "AUTH_SECRET" }),
      );
      expect(capture.lines.find((line) => line.msg === "signing key")).not.toHaveProperty("kid");
      expect(capture.text).not.toContain(TEST_SECRET);
      const user = await registerAndLogin(server.url);
      const fresh = await login(server.url, user.email, user.password);
      expect((await me(server.url, user.accessToken)).status).toBe(200);
      server.clock.advance(120);
      // One from the verified-claims cache, one never seen (jose's own expiry check).
      expect((await me(server.url, user.accessToken)).status).toBe(401);
      expect((await me(server.url, fresh.accessToken)).status).toBe(401);
      const refusals = capture.lines.filter((l) => l.msg === "request" && l.status === 401);
      expect(refusals).toHaveLength(2);
      for (const line of refusals)
        expect(line.error).toMatchObject({ code: "UNAUTHORIZED", reason: "TOKEN_EXPIRED" });
    } finally {
      await server.close();
    }
  });
});

describe("security events", () => {
  it("writes one structured line per event, with ids and never a secret", async () => {
    const capture = new LogCapture();
    const db = await createTestDatabase(await quickDatabase());
    const email = uniqueEmail("admin");
    const server = await startTestServer({
      database: "pglite",
      store: "database",
      db,
      env: {
        LOG_LEVEL: "info",
        ADMIN_EMAIL: email,
        ADMIN_PASSWORD: "the operator's password",
        RATE_LIMIT_LOGIN_ACCOUNT: "2/1m",
      },
      logDestination: capture,
    });
    try {
      const base = server.url;
      const admin = await login(base, email, "the operator's password");
      const user = await registerAndLogin(base);
      const second = await login(base, user.email, user.password);
      await call(base, "mutation", "auth.changePassword", {
        token: second.accessToken,
        input: { currentPassword: user.password, newPassword: "another long password" },
      });
      for (let i = 0; i < 3; i++)
        await call(base, "mutation", "auth.login", {
          input: { email: user.email, password: "nope" },
        });
      await call(base, "mutation", "admin.setRole", {
        token: admin.accessToken,
        input: { userId: user.userId, role: "admin" },
      });
      const victim = await registerAndLogin(base);
      const rotated = await call(base, "mutation", "auth.refresh", { cookie: victim.cookie });
      server.clock.advance(11);
      await call(base, "mutation", "auth.refresh", { cookie: victim.cookie });
      const other = await registerAndLogin(base);
      await call(base, "mutation", "auth.logout", {
        token: other.accessToken,
        cookie: other.cookie,
      });
      const all = await registerAndLogin(base);
      await call(base, "mutation", "auth.logoutAll", { token: all.accessToken });

      const events = capture.lines.filter((l) => typeof l.event === "string");
      const names = new Set(events.map((e) => e.event));
      for (const name of [
        "admin.bootstrap",
        "login.succeeded",
        "login.failed",
        "login.rate_limited",
        "role.changed",
        "password.changed",
        "refresh.reuse",
        "session.revoked",
        "sessions.revoked_all",
      ])
        expect(names, name).toContain(name);
      const reuse = events.find((e) => e.event === "refresh.reuse")!;
      expect(reuse).toMatchObject({ userId: victim.userId, ip: "127.0.0.1" });
      const failed = events.find((e) => e.event === "login.failed")!;
      expect(failed).toMatchObject({ reason: "wrong_password", requestId: expect.any(String) });
      for (const secret of [user.password, "nope", TEST_SECRET, victim.cookie.split("=")[1]!])
        expect(capture.text).not.toContain(secret);
      expect(cookieFrom(rotated)).not.toBeNull();
    } finally {
      await server.close();
      await db.destroy();
    }
  });
});
