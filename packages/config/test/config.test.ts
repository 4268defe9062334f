import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import {
  ConfigError,
  estimateEntropyBits,
  loadConfig,
  parseDuration,
  RATE_LIMIT_VARIABLES,
  workspaceRoot,
} from "../src";

const SECRET = "3f6c0a4e9b1d27c85e0f4a6b9c2d71e8a5b3f0c6d9e2a4b7c1f8e3d6a0b5c9f2";
const OTHER_SECRET = "b7e1d4a9c2f5083e6b1d4a7c0f3e6b9d2a5c8f1e4b7d0a3c6f9e2b5d8a1c4f70";
/** The FastAPI tutorial's example key: 64 random hex digits every attacker has read. */
const FASTAPI_TUTORIAL_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
const tmp = () => mkdtempSync(join(tmpdir(), "config-"));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { warn: () => undefined });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("parseDuration", () => {
  it.each([
    ["30s", 30],
    ["15m", 900],
    ["12h", 43200],
    ["7d", 604800],
    ["45", 45],
  ])("%s is %i seconds", (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(["", "5 minutes", "-1s", "1.5m", "1w"])("rejects %j", (text) =>
    expect(parseDuration(text)).toBeNull(),
  );
});

describe("estimateEntropyBits", () => {
  it("gives openssl rand -hex 32 exactly 256 bits", () =>
    expect(estimateEntropyBits(SECRET)).toBe(256));
  it("gives repeated characters nothing", () =>
    expect(estimateEntropyBits("a".repeat(100))).toBe(0));
  it("keeps a 32-character password below 256 bits", () =>
    expect(estimateEntropyBits("correct-horse-battery-staple-123")).toBeLessThan(256));
});

describe("loadConfig", () => {
  it("applies the defaults of docs/configuration.md", () => {
    const config = loadConfig({ AUTH_SECRET: SECRET, DATA_DIR: tmp() });
    expect(config.auth).toMatchObject({
      secret: SECRET,
      issuer: "http://localhost:3000",
      audience: "web",
      accessTokenTtl: 900,
      refreshTokenTtl: 604800,
      clockTolerance: 5,
    });
    expect(config.port).toBe(3000);
    expect(config.database).toHaveProperty("dataDir");
    expect(config.upstash).toBeUndefined();
  });

  it("names the variable of every bad value", () => {
    const problems = problemsOf({
      AUTH_SECRET: SECRET,
      ACCESS_TOKEN_TTL: "soon",
      PORT: "http",
      DATABASE_URL: "mysql://x",
    });
    expect(problems.join("\n")).toMatch(/ACCESS_TOKEN_TTL/);
    expect(problems.join("\n")).toMatch(/PORT/);
    expect(problems.join("\n")).toMatch(/DATABASE_URL/);
  });

  it("refuses a weak secret without echoing it", () => {
    const weak = "correct-horse-battery-staple-123";
    const problems = problemsOf({ AUTH_SECRET: weak });
    expect(problems.join("\n")).toMatch(/^AUTH_SECRET: .*256 bits/m);
    expect(problems.join("\n")).not.toContain(weak);
  });

  it("refuses to start in production without a secret", () => {
    expect(problemsOf({ NODE_ENV: "production", DATA_DIR: tmp() }).join()).toMatch(
      /AUTH_SECRET: required in production/,
    );
  });

  it("generates a development secret once and keeps it", () => {
    const dataDir = tmp();
    const warnings: string[] = [];
    const first = loadConfig({ DATA_DIR: dataDir }, { warn: (m) => warnings.push(m) });
    const second = loadConfig({ DATA_DIR: dataDir }, { warn: (m) => warnings.push(m) });
    expect(first.auth.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(second.auth.secret).toBe(first.auth.secret);
    expect(warnings).toHaveLength(1);
    const file = join(dataDir, "auth-secret");
    expect(readFileSync(file, "utf8").trim()).toBe(first.auth.secret);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it("requires the Upstash token with the URL, and admin credentials together", () => {
    const problems = problemsOf({
      AUTH_SECRET: SECRET,
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8079",
      ADMIN_EMAIL: "root@example.com",
    });
    expect(problems.join("\n")).toMatch(/UPSTASH_REDIS_REST_TOKEN/);
    expect(problems.join("\n")).toMatch(/ADMIN_PASSWORD/);
  });

  describe("REDIS_URL", () => {
    it.each([
      ["redis://127.0.0.1", "redis://127.0.0.1"],
      ["redis://cache.internal:6380/2", "redis://cache.internal:6380/2"],
      [
        "rediss://default:s3cret@redis.example.com:6380/0",
        "rediss://default:s3cret@redis.example.com:6380/0",
      ],
      ["redis://[::1]:6379/", "redis://[::1]:6379/"],
    ])("takes %s", (value, url) => {
      const config = loadConfig({ AUTH_SECRET: SECRET, REDIS_URL: value });
      expect(config.redis).toEqual({ url });
      expect(config.upstash).toBeUndefined();
    });

    it("is unset by default and when empty", () => {
      expect(loadConfig({ AUTH_SECRET: SECRET }).redis).toBeUndefined();
      expect(loadConfig({ AUTH_SECRET: SECRET, REDIS_URL: " " }).redis).toBeUndefined();
    });

    it.each([
      ["http://127.0.0.1:6379", /like redis:\/\/host:6379\/0/],
      ["127.0.0.1:6379", /like redis:\/\/host:6379\/0/],
      ["redis://", /like redis:\/\/host:6379\/0/],
      ["redis://:hunter2@127.0.0.1:6379/?family=6", /no query string/],
      ["redis://:hunter2@127.0.0.1:6379/0#x", /no query string/],
      ["redis://:hunter2@127.0.0.1:6379/zero", /database number/],
    ])("refuses %s, naming the variable and never echoing it", (value, message) => {
      const problems = problemsOf({ AUTH_SECRET: SECRET, REDIS_URL: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^REDIS_URL: /);
      expect(problems[0]).toMatch(message);
      expect(problems[0]).not.toContain("hunter2");
    });

    it.each<Record<string, string>>([
      { UPSTASH_REDIS_REST_URL: "https://eu1.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t0ken" },
      { UPSTASH_REDIS_REST_URL: "https://eu1.upstash.io" },
      { UPSTASH_REDIS_REST_TOKEN: "t0ken" },
    ])("refuses REDIS_URL together with Upstash (%o)", (upstash) => {
      const problems = problemsOf({
        AUTH_SECRET: SECRET,
        REDIS_URL: "redis://:hunter2@127.0.0.1:6379",
        ...upstash,
      });
      expect(problems.join("\n")).toMatch(
        /^REDIS_URL: set either REDIS_URL \(a Redis server\) or UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN \(Upstash's REST API\), not both$/m,
      );
      expect(problems.join("\n")).not.toMatch(/hunter2|t0ken/);
    });
  });

  it("reads AUTH_PREVIOUS_KEYS as a JSON array or a single key", () => {
    const single = loadConfig({ AUTH_SECRET: SECRET, AUTH_PREVIOUS_KEYS: SECRET.toUpperCase() });
    expect(single.auth.previousKeys).toEqual([SECRET.toUpperCase()]);
    const list = loadConfig({
      AUTH_SECRET: SECRET,
      AUTH_PREVIOUS_KEYS: JSON.stringify([OTHER_SECRET, SECRET.toUpperCase()]),
    });
    expect(list.auth.previousKeys).toEqual([OTHER_SECRET, SECRET.toUpperCase()]);
    const jwk = loadConfig({
      AUTH_PRIVATE_KEY: "(checked by packages/auth)",
      AUTH_PREVIOUS_KEYS: JSON.stringify([{ kty: "OKP" }]),
    });
    expect(jwk.auth.previousKeys).toEqual(['{"kty":"OKP"}']);
    expect(problemsOf({ AUTH_SECRET: SECRET, AUTH_PREVIOUS_KEYS: "[oops" }).join()).toMatch(
      /AUTH_PREVIOUS_KEYS/,
    );
  });

  // Issue 23, finding 1: previous keys verified without any check, so "a" or the FastAPI
  // tutorial's key in AUTH_PREVIOUS_KEYS let anyone mint an admin token.
  describe("AUTH_PREVIOUS_KEYS is held to AUTH_SECRET's rules", () => {
    const generate = "generate one with `openssl rand -hex 32`";
    it.each([
      [
        "a one-character key",
        "a",
        `must be at least 32 characters with at least 256 bits of entropy (got 1 characters); ${generate}`,
      ],
      [
        "a 32-character password",
        "correct-horse-battery-staple-123",
        `must be at least 32 characters with at least 256 bits of entropy (got 32 characters); ${generate}`,
      ],
      [
        "the FastAPI tutorial's key",
        FASTAPI_TUTORIAL_KEY,
        `is the FastAPI tutorial's example key, published for everyone to copy: anyone who read it can sign tokens for any user; generate your own with \`openssl rand -hex 32\``,
      ],
      [
        "a placeholder",
        "replace-me-with-a-long-random-string-0123456789",
        `looks like a placeholder from an example configuration: anyone who read it can sign tokens for any user; generate your own with \`openssl rand -hex 32\``,
      ],
    ])("refuses %s, naming the entry and never echoing it", (_, weak, message) => {
      expect(problemsOf({ AUTH_SECRET: SECRET, AUTH_PREVIOUS_KEYS: weak })).toEqual([
        `AUTH_PREVIOUS_KEYS[0]: ${message}`,
      ]);
      expect(
        problemsOf({
          AUTH_SECRET: SECRET,
          AUTH_PREVIOUS_KEYS: JSON.stringify([OTHER_SECRET, weak]),
        }),
      ).toEqual([`AUTH_PREVIOUS_KEYS[1]: ${message}`]);
    });

    it("refuses an HS256 secret, however strong, beside AUTH_PRIVATE_KEY", () => {
      const problems = problemsOf({
        AUTH_PRIVATE_KEY: "(checked by packages/auth)",
        AUTH_PREVIOUS_KEYS: JSON.stringify([OTHER_SECRET]),
      });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        /^AUTH_PREVIOUS_KEYS\[0\]: an HS256 secret cannot verify while AUTH_PRIVATE_KEY signs/,
      );
      expect(problems[0]).not.toContain(OTHER_SECRET);
    });

    it("refuses a public key beside an HS256 AUTH_SECRET", () => {
      const problems = problemsOf({
        AUTH_SECRET: SECRET,
        AUTH_PREVIOUS_KEYS:
          "-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEA\\n-----END PUBLIC KEY-----",
      });
      expect(problems).toEqual([
        expect.stringMatching(
          /^AUTH_PREVIOUS_KEYS\[0\]: a public key cannot verify while AUTH_SECRET signs/,
        ),
      ]);
    });
  });

  // Issue 23, finding 12: with DATABASE_URL and no secret, each instance generated its own key
  // and refused the others' tokens (the seed's intermittent 401s).
  describe("a database shared by instances needs a configured key", () => {
    it.each(["development", "test"])("refuses DATABASE_URL without a key in %s", (nodeEnv) => {
      const dataDir = tmp();
      const problems = problemsOf({
        NODE_ENV: nodeEnv,
        DATA_DIR: dataDir,
        DATABASE_URL: "postgresql://app@db.internal/app",
        APP_URL: "https://app.example.com",
      });
      expect(problems).toEqual([expect.stringMatching(/^AUTH_SECRET: required with DATABASE_URL/)]);
      // Nothing generated on the way.
      expect(() => statSync(join(dataDir, "auth-secret"))).toThrow();
    });

    it("asks nothing of tools that sign nothing (db:migrate, users:import)", () => {
      const dataDir = tmp();
      const config = loadConfig(
        { DATA_DIR: dataDir, DATABASE_URL: "postgresql://app@db.internal/app" },
        { needsSigningKey: false },
      );
      expect(config.auth.secret).toBeUndefined();
      expect(() => statSync(join(dataDir, "auth-secret"))).toThrow();
    });

    it("starts with DATABASE_URL and AUTH_SECRET, or AUTH_PRIVATE_KEY", () => {
      const url = "postgresql://app@db.internal/app";
      const APP_URL = "https://app.example.com";
      expect(loadConfig({ DATABASE_URL: url, APP_URL, AUTH_SECRET: SECRET }).auth.secret).toBe(
        SECRET,
      );
      expect(
        loadConfig({ DATABASE_URL: url, APP_URL, AUTH_PRIVATE_KEY: "(checked by packages/auth)" })
          .auth.privateKey,
      ).toBeDefined();
    });

    // Issue 27: the issuer defaulted to http://localhost:<PORT>, so two instances on different
    // ports refused each other's tokens (401).
    it("requires APP_URL (or AUTH_ISSUER): the issuer every instance must share", () => {
      const url = "postgresql://app@db.internal/app";
      expect(problemsOf({ DATABASE_URL: url, AUTH_SECRET: SECRET })).toEqual([
        expect.stringMatching(/^APP_URL: required with DATABASE_URL: it is the token issuer/),
      ]);
      const issued = loadConfig({ DATABASE_URL: url, AUTH_SECRET: SECRET, AUTH_ISSUER: "authkit" });
      expect(issued.auth.issuer).toBe("authkit");
    });
  });

  describe("operations", () => {
    it("defaults: no migration at start, a 10 s drain, no metrics endpoint", () => {
      const config = loadConfig({ DATA_DIR: tmp() }, { warn: () => undefined });
      expect(config.migrateOnStart).toBe(false);
      expect(config.shutdownTimeout).toBe(10);
      expect(config.metricsToken).toBeUndefined();
    });

    it("refuses a short METRICS_TOKEN without echoing it", () => {
      const problems = problemsOf({ DATA_DIR: tmp(), METRICS_TOKEN: "short-one" });
      expect(problems).toEqual([expect.stringMatching(/^METRICS_TOKEN: must be at least 16/)]);
      expect(problems.join("\n")).not.toContain("short-one");
    });
  });

  describe("a relative DATA_DIR", () => {
    /** A workspace like this repository: the root file, and an app two levels down. */
    function workspace(): { root: string; app: string } {
      const root = tmp();
      writeFileSync(join(root, "pnpm-workspace.yaml"), "packages:\n  - apps/*\n");
      const app = join(root, "apps", "web");
      mkdirSync(app, { recursive: true });
      return { root, app };
    }

    it("is the same folder from the root and from an app (pnpm start and next start)", () => {
      const { root, app } = workspace();
      const env = { DATA_DIR: ".data" };
      const fromRoot = loadConfig(env, { cwd: root, warn: () => undefined });
      const fromApp = loadConfig(env, { cwd: app, warn: () => undefined });
      expect(fromRoot.dataDir).toBe(join(root, ".data"));
      expect(fromApp.dataDir).toBe(join(root, ".data"));
      expect(fromApp.database).toEqual({ dataDir: join(root, ".data", "pglite") });
      // ...and so is the development secret generated into it.
      expect(fromApp.auth.secret).toBe(fromRoot.auth.secret);
    });

    it("is the working directory's outside a workspace; an absolute one is kept", () => {
      const outside = tmp();
      expect(workspaceRoot(outside)).toBe(outside);
      expect(loadConfig({ AUTH_SECRET: SECRET, DATA_DIR: "state" }, { cwd: outside }).dataDir).toBe(
        join(outside, "state"),
      );
      const { app } = workspace();
      const absolute = tmp();
      expect(loadConfig({ AUTH_SECRET: SECRET, DATA_DIR: absolute }, { cwd: app }).dataDir).toBe(
        absolute,
      );
    });
  });
});

describe("published secrets (issue 13, finding 11)", () => {
  it.each([
    [
      "the FastAPI tutorial's key",
      "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    ],
    ["jwt.io's key", "a-string-secret-at-least-256-bits-long"],
    ["a changeme placeholder", "changeme-changeme-Changeme-1234567890-xyzXYZ!"],
    ["a your-secret-here placeholder", "your-super-secret-key-here-0123456789abcdefABCDEF"],
  ])("refuses %s, saying why", (_, secret) => {
    const problems = problemsOf({ AUTH_SECRET: secret, NODE_ENV: "production" }).join("\n");
    expect(problems).toMatch(/^AUTH_SECRET: (is .*published|looks like a placeholder)/m);
    expect(problems).toMatch(/openssl rand -hex 32/);
    expect(problems).not.toContain(secret);
  });

  it("accepts a freshly generated one", () => {
    expect(() => loadConfig({ AUTH_SECRET: SECRET, NODE_ENV: "production" })).not.toThrow();
  });
});

describe("TRUST_PROXY", () => {
  const trust = (value: string) =>
    loadConfig({ AUTH_SECRET: SECRET, TRUST_PROXY: value }).trustProxy;
  it.each([
    ["false", null],
    ["0", null],
    ["true", { hops: 1 }],
    ["2", { hops: 2 }],
    ["10.0.0.0/8, 192.168.1.7", { addresses: ["10.0.0.0/8", "192.168.1.7"] }],
    ["loopback,uniquelocal", { addresses: ["loopback", "uniquelocal"] }],
  ])("reads %j", (value, expected) => expect(trust(value)).toEqual(expected));

  it.each(["yes", "10.0.0.0/99", "proxy.example.com"])("names the variable for %j", (value) =>
    expect(problemsOf({ AUTH_SECRET: SECRET, TRUST_PROXY: value }).join()).toMatch(
      /^TRUST_PROXY: /,
    ),
  );
});

describe("REFRESH_REUSE_GRACE and MAX_SESSIONS_PER_USER", () => {
  it("default to 10 s and 50", () => {
    const { auth } = loadConfig({ AUTH_SECRET: SECRET });
    expect(auth.refreshReuseGrace).toBe(10);
    expect(auth.maxSessionsPerUser).toBe(50);
  });
  it("turn the grace off with 0s and refuse nonsense", () => {
    expect(
      loadConfig({ AUTH_SECRET: SECRET, REFRESH_REUSE_GRACE: "0s" }).auth.refreshReuseGrace,
    ).toBe(0);
    expect(problemsOf({ AUTH_SECRET: SECRET, REFRESH_REUSE_GRACE: "soon" }).join()).toMatch(
      /^REFRESH_REUSE_GRACE: /,
    );
    expect(problemsOf({ AUTH_SECRET: SECRET, MAX_SESSIONS_PER_USER: "0" }).join()).toMatch(
      /^MAX_SESSIONS_PER_USER: /,
    );
  });
});

describe("LOG_FORMAT and RATE_LIMIT_VARIABLES", () => {
  it("takes LOG_FORMAT pretty or json, and leaves it to the terminal when unset", () => {
    const base = { AUTH_SECRET: SECRET, DATA_DIR: tmp() };
    expect(loadConfig(base).logFormat).toBeUndefined();
    expect(loadConfig({ ...base, LOG_FORMAT: "pretty" }).logFormat).toBe("pretty");
    expect(loadConfig({ ...base, LOG_FORMAT: "json" }).logFormat).toBe("json");
    expect(problemsOf({ ...base, LOG_FORMAT: "yaml" }).join()).toMatch(/^LOG_FORMAT: /);
  });

  it("lists every rate-limit variable, and each of them is read", () => {
    expect([...RATE_LIMIT_VARIABLES].sort()).toEqual([
      "RATE_LIMIT_LIVE_IP",
      "RATE_LIMIT_LIVE_TICKET",
      "RATE_LIMIT_LOGIN_ACCOUNT",
      "RATE_LIMIT_LOGIN_DEVICE",
      "RATE_LIMIT_LOGIN_IP",
      "RATE_LIMIT_LOGIN_SUCCESS_ACCOUNT",
      "RATE_LIMIT_LOGIN_SUCCESS_IP",
      "RATE_LIMIT_PASSKEY_OPTIONS_IP",
      "RATE_LIMIT_PASSWORD_RESET_EMAIL",
      "RATE_LIMIT_PASSWORD_RESET_IP",
      "RATE_LIMIT_REFRESH_IP",
      "RATE_LIMIT_REGISTER_IP",
      "RATE_LIMIT_VERIFICATION_RESEND",
    ]);
    for (const name of RATE_LIMIT_VARIABLES)
      expect(problemsOf({ AUTH_SECRET: SECRET, [name]: "nope" }).join()).toMatch(name);
  });
});

describe("mail and account links", () => {
  const base = { AUTH_SECRET: SECRET, DATA_DIR: tmp() };

  it("defaults: no SMTP, a no-reply sender on APP_URL's host, 30m resets, 24h verifications, verification optional", () => {
    const config = loadConfig({ ...base, APP_URL: "https://auth.example.com" });
    expect(config.mail).toEqual({ smtpUrl: undefined, from: "no-reply@auth.example.com" });
    expect(config.accountTokens).toEqual({ passwordResetTtl: 1800, emailVerificationTtl: 86400 });
    expect(config.requireEmailVerification).toBe(false);
    expect(config.rateLimit.passwordResetEmail).toEqual({ limit: 3, windowSeconds: 900 });
    expect(config.rateLimit.passwordResetIp).toEqual({ limit: 20, windowSeconds: 900 });
    expect(config.rateLimit.verificationResend).toEqual({ limit: 3, windowSeconds: 900 });
  });

  it("takes smtp:// and smtps:// URLs, MAIL_FROM, the lifetimes and the switch", () => {
    const config = loadConfig({
      ...base,
      SMTP_URL: "smtps://user:pass@mail.example.com:465",
      MAIL_FROM: "Authkit <auth@example.com>",
      PASSWORD_RESET_TTL: "1h",
      EMAIL_VERIFICATION_TTL: "2d",
      REQUIRE_EMAIL_VERIFICATION: "true",
    });
    expect(config.mail).toEqual({
      smtpUrl: "smtps://user:pass@mail.example.com:465",
      from: "Authkit <auth@example.com>",
    });
    expect(config.accountTokens).toEqual({ passwordResetTtl: 3600, emailVerificationTtl: 172800 });
    expect(config.requireEmailVerification).toBe(true);
    expect(loadConfig({ ...base, SMTP_URL: "smtp://127.0.0.1:2525" }).mail.smtpUrl).toBe(
      "smtp://127.0.0.1:2525",
    );
  });

  it("names each bad mail variable", () => {
    const problems = problemsOf({
      ...base,
      SMTP_URL: "http://mail.example.com",
      PASSWORD_RESET_TTL: "forever",
      EMAIL_VERIFICATION_TTL: "10s",
      REQUIRE_EMAIL_VERIFICATION: "yes please",
    }).join("\n");
    for (const name of [
      "SMTP_URL",
      "PASSWORD_RESET_TTL",
      "EMAIL_VERIFICATION_TTL",
      "REQUIRE_EMAIL_VERIFICATION",
    ])
      expect(problems).toMatch(new RegExp(`^${name}: `, "m"));
  });
});

describe("DEVICE_COOKIE_MAX_AGE", () => {
  it("defaults to 180 days, takes a duration of at least a minute", () => {
    expect(loadConfig({ AUTH_SECRET: SECRET }).auth.deviceCookieMaxAge).toBe(180 * 86400);
    expect(
      loadConfig({ AUTH_SECRET: SECRET, DEVICE_COOKIE_MAX_AGE: "30d" }).auth.deviceCookieMaxAge,
    ).toBe(30 * 86400);
    for (const bad of ["59s", "forever"])
      expect(problemsOf({ AUTH_SECRET: SECRET, DEVICE_COOKIE_MAX_AGE: bad }).join()).toMatch(
        /^DEVICE_COOKIE_MAX_AGE: /,
      );
  });
});

describe("LIVE_TRANSPORT and the live-stream limits", () => {
  it("default to server-sent events, 4 streams a session, 20 a user, 10 subscriptions and 60 messages a socket, 60 upgrades and 30 tickets a minute", () => {
    const config = loadConfig({ AUTH_SECRET: SECRET });
    expect(config.live).toEqual({
      transport: "sse",
      maxConnectionsPerSession: 4,
      maxConnectionsPerUser: 20,
      maxSocketSubscriptions: 10,
      socketMessageRate: { limit: 60, windowSeconds: 60 },
    });
    expect(config.rateLimit.liveIp).toEqual({ limit: 60, windowSeconds: 60 });
    expect(config.rateLimit.liveTicket).toEqual({ limit: 30, windowSeconds: 60 });
  });
  it("take ws, other caps and off; refuse nonsense", () => {
    const config = loadConfig({
      AUTH_SECRET: SECRET,
      LIVE_TRANSPORT: "ws",
      LIVE_MAX_CONNECTIONS_PER_SESSION: "1",
      LIVE_MAX_CONNECTIONS_PER_USER: "2",
      LIVE_MAX_SOCKET_SUBSCRIPTIONS: "3",
      LIVE_SOCKET_MESSAGE_RATE: "off",
      RATE_LIMIT_LIVE_IP: "off",
      RATE_LIMIT_LIVE_TICKET: "5/10s",
    });
    expect(config.live).toEqual({
      transport: "ws",
      maxConnectionsPerSession: 1,
      maxConnectionsPerUser: 2,
      maxSocketSubscriptions: 3,
      socketMessageRate: null,
    });
    expect(config.rateLimit.liveIp).toBeNull();
    expect(config.rateLimit.liveTicket).toEqual({ limit: 5, windowSeconds: 10 });
    expect(problemsOf({ AUTH_SECRET: SECRET, LIVE_MAX_SOCKET_SUBSCRIPTIONS: "0" }).join()).toMatch(
      /^LIVE_MAX_SOCKET_SUBSCRIPTIONS: /,
    );
    expect(problemsOf({ AUTH_SECRET: SECRET, LIVE_SOCKET_MESSAGE_RATE: "fast" }).join()).toMatch(
      /^LIVE_SOCKET_MESSAGE_RATE: /,
    );
    expect(problemsOf({ AUTH_SECRET: SECRET, LIVE_TRANSPORT: "polling" }).join()).toMatch(
      /^LIVE_TRANSPORT: /,
    );
    expect(
      problemsOf({ AUTH_SECRET: SECRET, LIVE_MAX_CONNECTIONS_PER_SESSION: "0" }).join(),
    ).toMatch(/^LIVE_MAX_CONNECTIONS_PER_SESSION: /);
    expect(problemsOf({ AUTH_SECRET: SECRET, LIVE_MAX_CONNECTIONS_PER_USER: "x" }).join()).toMatch(
      /^LIVE_MAX_CONNECTIONS_PER_USER: /,
    );
  });
});

describe("HTTP_* (issue 23, finding 5: slowloris)", () => {
  it("default to 10 s headers, 30 s request, 5 s keep-alive, 4096 sockets, 256 per address", () => {
    expect(loadConfig({ AUTH_SECRET: SECRET }).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 4096,
      maxConnectionsPerAddress: 256,
    });
  });
  it("refuse a headers timeout longer than the request's, and nonsense, by name", () => {
    expect(
      problemsOf({ AUTH_SECRET: SECRET, HTTP_HEADERS_TIMEOUT: "1m", HTTP_REQUEST_TIMEOUT: "30s" }),
    ).toEqual(["HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT"]);
    expect(problemsOf({ AUTH_SECRET: SECRET, HTTP_MAX_CONNECTIONS: "0" })).toEqual([
      expect.stringMatching(/^HTTP_MAX_CONNECTIONS: /),
    ]);
    expect(problemsOf({ AUTH_SECRET: SECRET, HTTP_HEADERS_TIMEOUT: "0s" })).toEqual([
      expect.stringMatching(/^HTTP_HEADERS_TIMEOUT: /),
    ]);
  });
});

describe("WEBAUTHN_*", () => {
  const base = () => ({ AUTH_SECRET: SECRET, DATA_DIR: tmp() });

  it("derives the RP ID, origins and name from APP_URL", () => {
    const config = loadConfig({ ...base(), APP_URL: "https://app.example.com/" });
    expect(config.webauthn).toEqual({
      rpId: "app.example.com",
      rpName: "Authkit",
      origins: ["https://app.example.com"],
    });
  });

  it("accepts a parent domain for several origins", () => {
    const config = loadConfig({
      ...base(),
      APP_URL: "https://app.example.com",
      WEBAUTHN_RP_ID: "example.com",
      WEBAUTHN_ORIGINS: "https://app.example.com, https://api.example.com:8443",
      WEBAUTHN_RP_NAME: "Example",
    });
    expect(config.webauthn).toEqual({
      rpId: "example.com",
      rpName: "Example",
      origins: ["https://app.example.com", "https://api.example.com:8443"],
    });
  });

  it("refuses an RP ID that is not a suffix of every origin's host", () => {
    const problems = problemsOf({
      ...base(),
      APP_URL: "https://app.example.com",
      WEBAUTHN_RP_ID: "example.com",
      WEBAUTHN_ORIGINS: "https://app.example.com,https://evil-example.com",
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^WEBAUTHN_RP_ID: "example.com" is neither the host of https:\/\/evil-example.com/,
      ),
    ]);
  });

  it.each([
    ["com", /top-level name/],
    ["https://example.com", /is not a domain/],
  ])("refuses the RP ID %j", (rpId, message) =>
    expect(problemsOf({ ...base(), APP_URL: "https://example.com", WEBAUTHN_RP_ID: rpId })).toEqual(
      expect.arrayContaining([expect.stringMatching(message)]),
    ),
  );

  it("refuses an origin with a path", () =>
    expect(
      problemsOf({
        ...base(),
        APP_URL: "https://example.com",
        WEBAUTHN_ORIGINS: "https://example.com/app",
      }),
    ).toEqual([
      expect.stringMatching(/^WEBAUTHN_ORIGINS: "https:\/\/example.com\/app" is not an origin/),
    ]));
});

describe("second factors (docs/mfa.md)", () => {
  it("reads MFA_REQUIRED_FOR, REAUTH_MAX_AGE and the encryption keys", () => {
    const config = loadConfig(
      {
        AUTH_SECRET: SECRET,
        MFA_REQUIRED_FOR: "admin",
        REAUTH_MAX_AGE: "5m",
        MFA_ENCRYPTION_KEY: OTHER_SECRET,
        MFA_PREVIOUS_ENCRYPTION_KEYS: ` ${SECRET} ,`,
      },
      { warn: () => undefined },
    );
    expect(config.mfa).toEqual({
      requiredFor: "admin",
      reauthMaxAge: 300,
      encryptionKey: OTHER_SECRET,
      previousEncryptionKeys: [SECRET],
      totpIssuer: "Authkit",
    });
  });

  it("refuses a weak encryption key, current or previous, without echoing it", () => {
    const problems = problemsOf({
      AUTH_SECRET: SECRET,
      MFA_ENCRYPTION_KEY: "hunter2hunter2",
      MFA_PREVIOUS_ENCRYPTION_KEYS: "correct-horse-battery-staple-123",
    }).join("\n");
    expect(problems).toMatch(/MFA_ENCRYPTION_KEY/);
    expect(problems).toMatch(/MFA_PREVIOUS_ENCRYPTION_KEYS/);
    expect(problems).not.toMatch(/hunter2|correct-horse/);
  });
});
