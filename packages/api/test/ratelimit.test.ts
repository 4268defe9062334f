import { randomInt } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  call,
  cookieFrom,
  quickDatabase,
  uniqueEmail,
  startTestServer,
  startWithRedisOutage,
  storeKinds,
  type CallResult,
  type RedisOutage,
  type TestServer,
} from "./harness";

/**
 * Rate limits over HTTP (docs/api.md: 429 TOO_MANY_REQUESTS with Retry-After), on every limiter:
 * the database's fixed window and the sliding window in Redis, over Upstash REST and over a
 * plain Redis. Every test calls from its own addresses (TRUST_PROXY + X-Forwarded-For) with
 * fresh emails, so suites sharing one Redis never meet. Every limiter counts on the server's
 * clock, which moves only when a test moves it: no window turns in the middle of a test.
 */
const LIMITS = {
  TRUST_PROXY: "true",
  RATE_LIMIT_LOGIN_ACCOUNT: "5/1m",
  RATE_LIMIT_LOGIN_IP: "8/1m",
  RATE_LIMIT_REFRESH_IP: "5/1m",
  RATE_LIMIT_REGISTER_IP: "3/1m",
  RATE_LIMIT_PASSKEY_OPTIONS_IP: "3/1m",
};
const PASSWORD = "correct horse battery";

const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const from = (ip: string) => ({ "x-forwarded-for": ip });

function expectLimited(result: CallResult) {
  expect(result.status).toBe(429);
  expect(result.body.error?.data.code).toBe("TOO_MANY_REQUESTS");
  expect(result.body.error?.message).toBe("Too many attempts, try again later");
  const retryAfter = Number(result.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

async function token(base: string, form: Record<string, string>, ip: string) {
  const response = await fetch(`${base}/api/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...from(ip) },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const stores = await storeKinds("database", "upstash", "redis", "memory");

describe.each(stores)("rate limits with the %s limiter", (store) => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer({
      // The memory limiter is the embedded default's: only on the database its process owns.
      database: store === "memory" ? "pglite" : await quickDatabase(),
      store,
      env: LIMITS,
    });
    base = server.url;
    expect(server.app.auth.rateLimiter.name).toBe(store);
  });
  afterAll(() => server.close());

  const login = (email: string, password: string, ip = randomIp()) =>
    call<{ accessToken: string }>(base, "mutation", "auth.login", {
      input: { email, password },
      headers: from(ip),
    });
  const register = (email: string, ip = randomIp()) =>
    call(base, "mutation", "auth.register", {
      input: { email, password: PASSWORD },
      headers: from(ip),
    });

  it("refuses an account after 5 failures, from any address, for known and unknown emails alike", async () => {
    const email = uniqueEmail("victim");
    expect((await register(email)).status).toBe(200);
    const ghost = uniqueEmail("ghost");
    for (const target of [email, ghost]) {
      for (let i = 0; i < 5; i++) expect((await login(target, "wrong password")).status).toBe(401);
      const limited = await login(target, "wrong password");
      expectLimited(limited);
      // The right password does not get through either while the account is limited.
      expectLimited(await login(target, PASSWORD));
    }
    // Known and unknown emails are limited identically: the 429 reveals nothing.
    const [a, b] = [await login(email, "x"), await login(ghost, "x")];
    expect(a.text.replace(/"path":"[^"]*"/, "")).toBe(b.text.replace(/"path":"[^"]*"/, ""));
    // Other accounts are untouched.
    const other = uniqueEmail("bystander");
    await register(other);
    expect((await login(other, PASSWORD)).status).toBe(200);
    // The window ends: the account opens again. A sliding window still weighs the previous
    // window, so two of them clear it whatever the phase.
    server.clock.advance(121);
    expect((await login(email, PASSWORD)).status).toBe(200);
  });

  it("counts only failures: successful logins never use up the limits", async () => {
    const email = uniqueEmail("regular");
    const ip = randomIp();
    await register(email);
    for (let i = 0; i < 12; i++) expect((await login(email, PASSWORD, ip)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login(email, "typo", ip)).status).toBe(401);
    expect((await login(email, PASSWORD, ip)).status).toBe(200);
  });

  it("holds concurrent guesses to the limit (each attempt reserves its slot first)", async () => {
    const email = uniqueEmail("burst");
    await register(email);
    const results = await Promise.all(Array.from({ length: 20 }, () => login(email, "guess")));
    const failed = results.filter((r) => r.status === 401).length;
    expect(failed + results.filter((r) => r.status === 429).length).toBe(20);
    expect(failed).toBe(5);
  });

  it("refuses an address after 8 failed logins across many accounts", async () => {
    const ip = randomIp();
    for (let i = 0; i < 8; i++)
      expect((await login(uniqueEmail("spray"), "Winter2025!", ip)).status).toBe(401);
    expectLimited(await login(uniqueEmail("spray"), "Winter2025!", ip));
    // Another address is not affected.
    expect((await login(uniqueEmail("spray"), "Winter2025!")).status).toBe(401);
  });

  it("limits registrations per address, and a refused one creates nothing", async () => {
    const ip = randomIp();
    for (let i = 0; i < 3; i++)
      expect((await register(uniqueEmail("signup"), ip)).status).toBe(200);
    const refused = uniqueEmail("signup");
    expectLimited(await register(refused, ip));
    expect(await server.db.prisma.user.count({ where: { email: refused.toLowerCase() } })).toBe(0);
    expect((await register(uniqueEmail("signup"))).status).toBe(200);
  });

  it("limits WebAuthn challenges per address (anyone may ask for one), and a refused one stores nothing", async () => {
    const ip = randomIp();
    const options = () =>
      call(base, "mutation", "passkey.authenticationOptions", { input: {}, headers: from(ip) });
    const before = await server.db.prisma.webAuthnChallenge.count();
    for (let i = 0; i < 3; i++) expect((await options()).status).toBe(200);
    expectLimited(await options());
    expect(await server.db.prisma.webAuthnChallenge.count()).toBe(before + 3);
  });

  it("limits refreshes per address, and a refused refresh does not consume the token", async () => {
    const email = uniqueEmail("refresher");
    await register(email);
    const session = await login(email, PASSWORD);
    const ip = randomIp();
    for (let i = 0; i < 5; i++) {
      const r = await call(base, "mutation", "auth.refresh", {
        cookie: "refresh_token=garbage",
        headers: from(ip),
      });
      expect(r.status).toBe(401);
    }
    const cookie = cookieFrom(session);
    expectLimited(await call(base, "mutation", "auth.refresh", { cookie, headers: from(ip) }));
    // The refused call never reached the token: it still rotates exactly once elsewhere.
    const rotated = await call(base, "mutation", "auth.refresh", {
      cookie,
      headers: from(randomIp()),
    });
    expect(rotated.status).toBe(200);
  });

  it("shares the limits with the OAuth token endpoint", async () => {
    const email = uniqueEmail("oauth");
    await register(email);
    // Account: 3 failures over tRPC and 2 over the token endpoint make 5.
    for (let i = 0; i < 3; i++) expect((await login(email, "wrong")).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      const r = await token(
        base,
        { grant_type: "password", username: email, password: "wrong" },
        randomIp(),
      );
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("invalid_grant");
    }
    const limited = await token(
      base,
      { grant_type: "password", username: email, password: PASSWORD },
      randomIp(),
    );
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expectLimited(await login(email, PASSWORD));

    // Address: password grants from one address count with its tRPC logins.
    const ip = randomIp();
    for (let i = 0; i < 8; i++) {
      const r = await token(
        base,
        { grant_type: "password", username: uniqueEmail("oauth-spray"), password: "x" },
        ip,
      );
      expect(r.status).toBe(400);
    }
    expectLimited(await login(uniqueEmail("oauth-spray"), "x", ip));
    // Refresh grants from one address count with its tRPC refreshes.
    const refreshIp = randomIp();
    for (let i = 0; i < 5; i++) {
      expect(
        (await token(base, { grant_type: "refresh_token", refresh_token: "garbage" }, refreshIp))
          .status,
      ).toBe(400);
    }
    expect(
      (await token(base, { grant_type: "refresh_token", refresh_token: "garbage" }, refreshIp))
        .status,
    ).toBe(429);
  });
});

const redisStores = await storeKinds("upstash", "redis");

describe.each(redisStores)("when the %s limiter's store is down", (store) => {
  let outage: RedisOutage;
  beforeAll(async () => {
    outage = await startWithRedisOutage({ database: await quickDatabase(), store, env: LIMITS });
  });
  afterAll(() => outage.close());

  it("login, register and refresh fail closed with 503, and work again when it returns", async () => {
    const email = uniqueEmail("closed");
    const ip = randomIp();
    await call(base(), "mutation", "auth.register", {
      input: { email, password: PASSWORD },
      headers: from(ip),
    });
    const session = await call(base(), "mutation", "auth.login", {
      input: { email, password: PASSWORD },
      headers: from(ip),
    });
    const cookie = cookieFrom(session);
    await outage.down();
    const during = [
      await call(base(), "mutation", "auth.login", {
        input: { email, password: PASSWORD },
        headers: from(ip),
      }),
      await call(base(), "mutation", "auth.register", {
        input: { email: uniqueEmail(), password: PASSWORD },
        headers: from(ip),
      }),
      await call(base(), "mutation", "auth.refresh", { cookie, headers: from(ip) }),
    ];
    for (const r of during) {
      expect(r.status).toBe(503);
      expect(r.body.error?.message).toBe("Service temporarily unavailable");
    }
    await outage.up();
    // Nothing was half-done: the refresh token was never consumed, the account never counted.
    expect(
      (await call(base(), "mutation", "auth.refresh", { cookie, headers: from(ip) })).status,
    ).toBe(200);
    expect(
      (
        await call(base(), "mutation", "auth.login", {
          input: { email, password: PASSWORD },
          headers: from(ip),
        })
      ).status,
    ).toBe(200);
  });

  const base = () => outage.server.url;
});
