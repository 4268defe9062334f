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

  it("reads AUTH_PREVIOUS_KEYS as a JSON array or a single key", () => {
    const single = loadConfig({ AUTH_SECRET: SECRET, AUTH_PREVIOUS_KEYS: SECRET.toUpperCase() });
    expect(single.auth.previousKeys).toEqual([SECRET.toUpperCase()]);
    const list = loadConfig({
      AUTH_SECRET: SECRET,
      AUTH_PREVIOUS_KEYS: JSON.stringify(["a", { kty: "OKP" }]),
    });
    expect(list.auth.previousKeys).toEqual(["a", '{"kty":"OKP"}']);
    expect(problemsOf({ AUTH_SECRET: SECRET, AUTH_PREVIOUS_KEYS: "[oops" }).join()).toMatch(
      /AUTH_PREVIOUS_KEYS/,
    );
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
      "RATE_LIMIT_LOGIN_ACCOUNT",
      "RATE_LIMIT_LOGIN_DEVICE",
      "RATE_LIMIT_LOGIN_IP",
      "RATE_LIMIT_LOGIN_SUCCESS_ACCOUNT",
      "RATE_LIMIT_LOGIN_SUCCESS_IP",
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

describe("LIVE_TRANSPORT and the WebSocket limits", () => {
  it("default to server-sent events, 4 sockets a session, 20 a user and 60 upgrades a minute", () => {
    const config = loadConfig({ AUTH_SECRET: SECRET });
    expect(config.live).toEqual({
      transport: "sse",
      maxConnectionsPerSession: 4,
      maxConnectionsPerUser: 20,
    });
    expect(config.rateLimit.liveIp).toEqual({ limit: 60, windowSeconds: 60 });
  });
  it("take ws, other caps and off; refuse nonsense", () => {
    const config = loadConfig({
      AUTH_SECRET: SECRET,
      LIVE_TRANSPORT: "ws",
      LIVE_MAX_CONNECTIONS_PER_SESSION: "1",
      LIVE_MAX_CONNECTIONS_PER_USER: "2",
      RATE_LIMIT_LIVE_IP: "off",
    });
    expect(config.live).toEqual({
      transport: "ws",
      maxConnectionsPerSession: 1,
      maxConnectionsPerUser: 2,
    });
    expect(config.rateLimit.liveIp).toBeNull();
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
