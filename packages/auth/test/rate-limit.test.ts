import { randomUUID } from "node:crypto";

import { Ratelimit } from "@upstash/ratelimit";
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { ConfigError, loadConfig } from "@authkit/config";
import { openDatabase } from "@authkit/db";
import {
  createTestDatabase,
  databaseKinds,
  redisAvailable,
  startRedisServer,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@authkit/db/testing";
import { startUpstashRest, type UpstashRest } from "@authkit/upstash-rest";

import {
  clientIpKey,
  DatabaseRateLimiter,
  RedisRateLimiter,
  type RateLimiter,
  type RateLimitRule,
} from "../src/rate-limit";
import { rateLimitsFromConfig } from "../src/rate-limit/gate";
import { connectRedis, ioredisCommands } from "../src/redis/ioredis";
import { upstashCommands } from "../src/redis/upstash";

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
      liveTicket: { limit: 30, windowSeconds: 60 },
      passkeyOptionsIp: { limit: 60, windowSeconds: 60 },
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

/** The sliding window over Upstash's REST protocol (the bridge in front of the shared Redis). */
async function upstashSubject(): Promise<Subject> {
  let rest: UpstashRest = await startUpstashRest({ token: "rl-token", redisUrl: TEST_REDIS_URL });
  const { port, url } = rest;
  const clock = new ManualClock();
  return {
    limiter: new RedisRateLimiter(
      upstashCommands({ url, token: "rl-token" }),
      clock,
      `test:rl:${randomUUID()}`,
    ),
    pass: (seconds) => {
      clock.current += seconds * 1000 + 1;
      return Promise.resolve();
    },
    breakStore: async () => {
      await rest.close();
      return async () => {
        rest = await startUpstashRest({ token: "rl-token", redisUrl: TEST_REDIS_URL, port });
      };
    },
    close: () => rest.close(),
  };
}

/** The sliding window over the Redis protocol, on a redis-server of its own to stop. */
async function redisSubject(): Promise<Subject> {
  const server = await startRedisServer();
  const commands = ioredisCommands(await connectRedis(server.url));
  const clock = new ManualClock();
  return {
    limiter: new RedisRateLimiter(commands, clock, `test:rl:${randomUUID()}`),
    pass: (seconds) => {
      clock.current += seconds * 1000 + 1;
      return Promise.resolve();
    },
    breakStore: async () => {
      await server.stop();
      return async () => {
        await server.start();
        // The client redials on its own schedule: wait until it has.
        await expect
          .poll(
            () =>
              commands.ping().then(
                () => true,
                () => false,
              ),
            { timeout: 15_000 },
          )
          .toBe(true);
      };
    },
    close: async () => {
      await commands.close();
      await server.stop();
    },
  };
}

const redisKinds = (await redisAvailable()) ? ["upstash", "redis"] : [];
const kinds = [...(await databaseKinds()).map((k) => `database on ${k}`), ...redisKinds];

const subjects: Record<string, () => Promise<Subject>> = {
  upstash: upstashSubject,
  redis: redisSubject,
  "database on pglite": () => databaseSubject("pglite"),
  "database on postgresql": () => databaseSubject("postgresql"),
};

describe.each(kinds)("rate limiter: %s", (kind) => {
  let subject: Subject;
  beforeAll(async () => {
    subject = await subjects[kind]!();
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

  // The database limiter counts the hits of one turn in one upsert (src/rate-limit/database.ts).
  if (kind.startsWith("database"))
    it("decides the hits of one turn in arrival order, on top of the count before", async () => {
      const [r, s] = [rule(4), rule(1)];
      await consumeOne(subject.limiter, r, "k");
      await consumeOne(subject.limiter, r, "k");
      const decisions = await Promise.all([
        consumeOne(subject.limiter, r, "k"),
        consumeOne(subject.limiter, s, "k"),
        consumeOne(subject.limiter, r, "k"),
        consumeOne(subject.limiter, r, "k"),
        consumeOne(subject.limiter, s, "k"),
        consumeOne(subject.limiter, r, "other"),
      ]);
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false, true]);
      expect(decisions[3].retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(decisions[0].retryAfterSeconds).toBe(0);
      // Every hit was counted: one more of `r` for "k" is refused, "other" has three left.
      expect((await consumeOne(subject.limiter, r, "k")).allowed).toBe(false);
      expect((await consumeOne(subject.limiter, r, "other")).allowed).toBe(true);
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

/** A reproducible stream of numbers in [0, 1) (mulberry32), so a failing walk can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.runIf(redisKinds.length > 0)("the Redis sliding window", () => {
  let rest: UpstashRest;
  let commands: Awaited<ReturnType<typeof connectRedis>>;
  beforeAll(async () => {
    rest = await startUpstashRest({ token: "rl-token", redisUrl: TEST_REDIS_URL });
    commands = await connectRedis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    commands?.disconnect();
    await rest?.close();
  });
  const fresh = (clock: ManualClock) =>
    new RedisRateLimiter(ioredisCommands(commands), clock, `test:rl:${randomUUID()}`);
  /** A clock at `offsetMs` into a window of `windowMs`. */
  const clockAt = (offsetMs: number, windowMs: number) => {
    const clock = new ManualClock();
    clock.current = (Math.floor(Date.now() / windowMs) + 1) * windowMs + offsetMs;
    return clock;
  };

  // The reference is the library itself, run through the Upstash bridge on the same Redis: the
  // same walk through time, hit by hit, must get the same answers and the same retry delays.
  it.each([1, 2, 3])(
    "decides as @upstash/ratelimit's slidingWindow does, hit by hit (random walk %i)",
    async (seed) => {
      const limit = 4;
      const windowMs = 10_000;
      const reference = new Ratelimit({
        redis: new UpstashRedis({ url: rest.url, token: "rl-token", enableTelemetry: false }),
        limiter: Ratelimit.slidingWindow(limit, "10 s"),
        prefix: `test:ref:${randomUUID()}`,
        ephemeralCache: false,
        timeout: 0,
        analytics: false,
        enableProtection: false,
      });
      const clock = clockAt(0, windowMs);
      const ours = fresh(clock);
      const rule = { name: "walk", limit, windowSeconds: windowMs / 1000 };
      const random = seeded(seed);
      const mine: [boolean, number][] = [];
      const theirs: [boolean, number][] = [];
      vi.useFakeTimers({ toFake: ["Date"] });
      try {
        for (let step = 0; step < 120; step++) {
          // Mostly a few hundred ms between hits, now and then a jump over one or two windows.
          clock.current +=
            random() < 0.1 ? Math.floor(random() * 25_000) : Math.floor(random() * 900);
          vi.setSystemTime(clock.current);
          const [decision] = await ours.consume([{ rule, key: "k" }]);
          mine.push([decision!.allowed, decision!.retryAfterSeconds]);
          const { success, reset } = await reference.limit("k");
          theirs.push([
            success,
            success ? 0 : Math.max(1, Math.ceil((reset - clock.current) / 1000)),
          ]);
        }
      } finally {
        vi.useRealTimers();
      }
      expect(mine).toEqual(theirs);
      // The walk went through both answers, and through windows that weigh the previous one.
      expect(mine.filter(([allowed]) => allowed).length).toBeGreaterThan(10);
      expect(mine.filter(([allowed]) => !allowed).length).toBeGreaterThan(10);
    },
  );

  it("weighs the previous window by how much of it the sliding window still covers", async () => {
    const windowMs = 10_000;
    const clock = clockAt(9_000, windowMs);
    const limiter = fresh(clock);
    const rule = { name: "weigh", limit: 4, windowSeconds: 10 };
    const hit = async () => (await limiter.consume([{ rule, key: "k" }]))[0]!;
    for (let i = 0; i < 4; i++) expect((await hit()).allowed).toBe(true);
    const refused = await hit();
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // 2.5 s into the next window, 75% of the previous one still counts: floor(0.75 * 4) = 3.
    clock.current += 3_500;
    expect((await hit()).allowed).toBe(true);
    expect(await hit()).toEqual({ allowed: false, retryAfterSeconds: 8 });
    // 7.5 s in, 25% counts: floor(0.25 * 4) = 1, plus the one taken = 2 of 4.
    clock.current += 5_000;
    expect((await hit()).allowed).toBe(true);
    expect((await hit()).allowed).toBe(true);
    expect((await hit()).allowed).toBe(false);
  });

  it("gives a refunded hit back to the window that counted it, after the window turned", async () => {
    const windowMs = 10_000;
    const clock = clockAt(9_000, windowMs);
    const limiter = fresh(clock);
    const rule = { name: "turn", limit: 2, windowSeconds: 10 };
    const hit = async () => (await limiter.consume([{ rule, key: "k" }]))[0]!.allowed;
    expect([await hit(), await hit(), await hit()]).toEqual([true, true, false]);
    // 1 s into the next window: floor(0.9 * 2) = 1 of the previous window's hits still counts.
    clock.current += 2_000;
    await limiter.refund([{ rule, key: "k" }]);
    // The refund came out of the previous window (this one had none): floor(0.9 * 1) = 0.
    expect([await hit(), await hit(), await hit()]).toEqual([true, true, false]);
  });

  it("never refunds below zero: refunds of hits never counted mint no extra hits", async () => {
    const limiter = fresh(clockAt(1_000, 60_000));
    const rule = { name: "mint", limit: 3, windowSeconds: 60 };
    await limiter.refund([1, 2, 3].map(() => ({ rule, key: "k" })));
    const decisions = await limiter.consume([1, 2, 3, 4, 5].map(() => ({ rule, key: "k" })));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
  });
});
