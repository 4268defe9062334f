import { randomUUID } from "node:crypto";

import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { ConfigError, loadConfig } from "@authkit/config";
import { openDatabase } from "@authkit/db";
import { createTestDatabase, databaseKinds, type TestDatabase } from "@authkit/db/testing";
import { startUpstashRest, type UpstashRest } from "@authkit/upstash-rest";

import {
  clientIpKey,
  DatabaseRateLimiter,
  UpstashRateLimiter,
  type RateLimiter,
  type RateLimitRule,
} from "../src/rate-limit";
import { rateLimitsFromConfig } from "../src/rate-gate";

/** One hit of one rule, as most of these tests count. */
const consumeOne = async (limiter: RateLimiter, rule: RateLimitRule, key: string) =>
  (await limiter.consume([{ rule, key }]))[0]!;

const SECRET = "3f6c0a4e9b1d27c85e0f4a6b9c2d71e8a5b3f0c6d9e2a4b7c1f8e3d6a0b5c9f2";

describe("clientIpKey", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::9", "2001:db8:1:2::/64"],
    ["[2001:DB8:1:2::ff]", "2001:db8:1:2::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
  ])("counts %s as %s", (ip, key) => expect(clientIpKey(ip)).toBe(key));

  it.each([undefined, null, "", "unknown", "not an ip", "1.2.3.4; DROP TABLE"])("skips %j", (ip) =>
    expect(clientIpKey(ip)).toBeNull(),
  );
});

describe("RATE_LIMIT_* configuration", () => {
  it("has documented defaults", () => {
    const { rateLimit } = loadConfig({ AUTH_SECRET: SECRET }, { warn: () => undefined });
    expect(rateLimit).toEqual({
      loginAccount: { limit: 5, windowSeconds: 60 },
      loginDevice: { limit: 10, windowSeconds: 60 },
      loginIp: { limit: 100, windowSeconds: 60 },
      loginSuccessAccount: { limit: 20, windowSeconds: 60 },
      loginSuccessIp: { limit: 300, windowSeconds: 60 },
      refreshIp: { limit: 300, windowSeconds: 60 },
      registerIp: { limit: 30, windowSeconds: 60 },
      passwordResetEmail: { limit: 3, windowSeconds: 900 },
      passwordResetIp: { limit: 20, windowSeconds: 900 },
      verificationResend: { limit: 3, windowSeconds: 900 },
      liveIp: { limit: 60, windowSeconds: 60 },
    });
    expect(rateLimitsFromConfig(rateLimit).loginAccount).toEqual({
      name: "login:account",
      limit: 5,
      windowSeconds: 60,
    });
  });

  it("reads count/window and off", () => {
    const { rateLimit } = loadConfig(
      { AUTH_SECRET: SECRET, RATE_LIMIT_LOGIN_IP: "20/1h", RATE_LIMIT_REGISTER_IP: "off" },
      { warn: () => undefined },
    );
    expect(rateLimit.loginIp).toEqual({ limit: 20, windowSeconds: 3600 });
    expect(rateLimit.registerIp).toBeNull();
    expect(rateLimitsFromConfig(rateLimit).registerIp).toBeNull();
  });

  it.each(["5", "0/1m", "-1/1m", "5/soon", "5/0s", "many/1m"])(
    "names the variable for %j",
    (value) => {
      try {
        loadConfig(
          { AUTH_SECRET: SECRET, RATE_LIMIT_LOGIN_ACCOUNT: value },
          { warn: () => undefined },
        );
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems.join("\n")).toMatch(/^RATE_LIMIT_LOGIN_ACCOUNT: /m);
      }
    },
  );
});

class ManualClock {
  current = Date.now();
  now = () => this.current;
}

interface Subject {
  limiter: RateLimiter;
  /** Moves past the end of a window of `seconds`. */
  pass(seconds: number): Promise<void>;
  /** Makes the store unreachable; returns the function that brings it back. */
  breakStore(): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** The stored bucket keys (database only). */
  keys?: () => Promise<string[]>;
}

async function databaseSubject(kind: "pglite" | "postgresql"): Promise<Subject> {
  let db: TestDatabase = await createTestDatabase(kind);
  const clock = new ManualClock();
  const holder = { prisma: db.prisma };
  return {
    limiter: new DatabaseRateLimiter(holder, clock),
    pass: (seconds) => {
      clock.current += seconds * 1000 + 1;
      return Promise.resolve();
    },
    breakStore: async () => {
      // A real client of a server that does not answer (nothing listens on port 9): every query fails.
      const broken = await openDatabase({ url: "postgresql://postgres@127.0.0.1:9/none" });
      holder.prisma = broken.prisma;
      return async () => {
        holder.prisma = db.prisma;
        await broken.close();
      };
    },
    keys: async () =>
      (await db.prisma.$queryRaw<{ key: string }[]>`SELECT key FROM rate_limit_buckets`).map(
        (row) => row.key,
      ),
    close: async () => {
      await db.destroy();
      db = undefined as never;
    },
  };
}

async function upstashSubject(): Promise<Subject> {
  let rest: UpstashRest = await startUpstashRest({ token: "rl-token" });
  const port = rest.port;
  const redis = new Redis({
    url: rest.url,
    token: "rl-token",
    enableTelemetry: false,
    retry: false,
  });
  return {
    limiter: new UpstashRateLimiter(redis, `test:rl:${randomUUID()}`),
    // The sliding window is computed from the client's Date.now(): moving it moves the window.
    pass: (seconds) => {
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + seconds * 1000 + 50 });
      return Promise.resolve();
    },
    breakStore: async () => {
      await rest.close();
      return async () => {
        rest = await startUpstashRest({ token: "rl-token", port });
      };
    },
    close: () => {
      vi.useRealTimers();
      return rest.close();
    },
  };
}

const kinds = [...(await databaseKinds()).map((k) => `database on ${k}`), "upstash"];

describe.each(kinds)("rate limiter: %s", (kind) => {
  let subject: Subject;
  beforeAll(async () => {
    subject =
      kind === "upstash"
        ? await upstashSubject()
        : await databaseSubject(kind.endsWith("pglite") ? "pglite" : "postgresql");
  });
  afterAll(() => subject.close());
  const rule = (limit: number, windowSeconds = 60): RateLimitRule => ({
    name: `t:${randomUUID().slice(0, 8)}`,
    limit,
    windowSeconds,
  });

  it("allows up to the limit, then refuses with a retry delay within the window", async () => {
    const r = rule(3);
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await consumeOne(subject.limiter, r, "k"));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
    expect(decisions[0]!.retryAfterSeconds).toBe(0);
    expect(decisions[4]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(decisions[4]!.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Keys and rules are independent.
    expect((await consumeOne(subject.limiter, r, "other")).allowed).toBe(true);
    expect((await consumeOne(subject.limiter, rule(3), "k")).allowed).toBe(true);
  });

  it("lets exactly `limit` of many concurrent hits through", async () => {
    const r = rule(5);
    const decisions = await Promise.all(
      Array.from({ length: 30 }, () => consumeOne(subject.limiter, r, "burst")),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
  });

  it("gives a slot back on refund", async () => {
    const r = rule(2);
    expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(true);
    expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(true);
    await subject.limiter.refund([{ rule: r, key: "k" }]);
    expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(true);
    expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(false);
  });

  it("opens again once the window has passed", async () => {
    const r = rule(1, 1);
    expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(true);
    expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(false);
    // A sliding window still weighs the previous window: two windows clear it whatever the phase.
    await subject.pass(2);
    expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(true);
  });

  it("throws (never allows) when its store is unreachable, and recovers", async () => {
    const r = rule(100);
    const restore = await subject.breakStore();
    try {
      await expect(consumeOne(subject.limiter, r, "k")).rejects.toThrow();
    } finally {
      await restore();
    }
    expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(true);
  });

  // Redis expires its own keys; only the database limiter has windows to prune.
  if (kind.startsWith("database"))
    it("prunes finished windows", async () => {
      const limiter = subject.limiter as DatabaseRateLimiter;
      const old = rule(1, 1);
      await consumeOne(limiter, old, "old");
      await subject.pass(2);
      const fresh = rule(1, 1);
      await consumeOne(limiter, fresh, "fresh");
      await limiter.prune();
      const keys = await subject.keys!();
      expect(keys).not.toContain(`${old.name}:old`);
      expect(keys).toContain(`${fresh.name}:fresh`);
      // The fresh bucket survives pruning: it still refuses.
      expect((await consumeOne(limiter, fresh, "fresh")).allowed).toBe(false);
    });
});
