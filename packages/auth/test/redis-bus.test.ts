/**
 * Which bus carries revocations to other instances' live streams, for every deployment the
 * configuration allows, and the Redis pub/sub bus itself on a redis-server of this suite's own
 * (pub/sub ignores database numbers, so the shared server would carry other suites' events).
 */
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadConfig } from "@authkit/config";
import {
  createTestDatabase,
  databaseKinds,
  redisAvailable,
  startRedisServer,
  type DatabaseKind,
  type RedisServer,
  type TestDatabase,
} from "@authkit/db/testing";
import { startUpstashRest, type UpstashRest } from "@authkit/upstash-rest";

import { createBackends } from "../src/backends";
import { connectRedis } from "../src/redis/ioredis";
import { LocalRevocationBus, PostgresRevocationBus } from "../src/revocation/bus";
import { RedisRevocationBus } from "../src/revocation/redis-bus";
import type { RevocationEvent } from "../src/types";
import { SECRET, signedIn, startCore, TestClock } from "./setup";

const hasRedis = await redisAvailable();
const kinds = await databaseKinds();

const event = (userId: string): RevocationEvent => ({
  kind: "user",
  userId,
  version: 1,
  reason: "logout_all",
});

/** Collects what a bus delivers, and waits for it without sleeping (vitest's timeout ends a
 * wait for an event that never comes). */
function listen(bus: { subscribe(listener: (event: RevocationEvent) => void): () => void }) {
  const heard: RevocationEvent[] = [];
  const waiters: (() => void)[] = [];
  bus.subscribe((e) => {
    heard.push(e);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    heard,
    /** Resolves once `count` events arrived. */
    async until(count: number) {
      while (heard.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

describe.runIf(hasRedis)("the Redis pub/sub revocation bus", () => {
  let server: RedisServer;
  const opened: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const closable of opened) await closable.close();
    await server?.stop();
  });

  async function bus(db = 0) {
    const client = await connectRedis(`${server.url}/${db}`);
    const created = new RedisRevocationBus(client);
    await created.start();
    opened.push(created, { close: () => client.quit().then(() => undefined) });
    return created;
  }
  const subscribers = async (channel: string) => {
    const direct = new IORedis(server.url);
    const [, count] = (await direct.pubsub("NUMSUB", channel)) as [string, number];
    direct.disconnect();
    return count;
  };

  it("delivers an event once to every instance, its own included", async () => {
    const [a, b] = [await bus(), await bus()];
    const [onA, onB] = [listen(a), listen(b)];
    await a.publish(event("u1"));
    await onB.until(1);
    // A heard its own event at once, and not again from the channel.
    await b.publish(event("u2"));
    await onA.until(2);
    expect(onA.heard).toEqual([event("u1"), event("u2")]);
    expect(onB.heard).toEqual([event("u1"), event("u2")]);
  });

  it("keeps delivering after its subscriber connection was cut", async () => {
    const [a, b] = [await bus(5), await bus(5)];
    const onB = listen(b);
    const direct = new IORedis(server.url);
    await direct.call("CLIENT", "KILL", "TYPE", "pubsub");
    direct.disconnect();
    // ioredis redials and subscribes again by itself.
    await expect.poll(() => subscribers("auth:revocations:5"), { timeout: 15_000 }).toBe(2);
    await a.publish(event("after-cut"));
    await onB.until(1);
    expect(onB.heard).toEqual([event("after-cut")]);
  });

  it("keeps deployments on other database numbers apart, and ignores what is not an event", async () => {
    const [three, four] = [await bus(3), await bus(4)];
    const [onThree, onFour] = [listen(three), listen(four)];
    const direct = new IORedis(server.url);
    await direct.publish("auth:revocations:4", "not json");
    direct.disconnect();
    await three.publish(event("db3"));
    await four.publish(event("db4"));
    await onThree.until(1);
    await onFour.until(1);
    expect(onThree.heard).toEqual([event("db3")]);
    expect(onFour.heard).toEqual([event("db4")]);
  });
});

describe.runIf(hasRedis)("the bus, store and limiter each deployment gets", () => {
  let server: RedisServer;
  let upstash: UpstashRest;
  /** One database of each kind, shared by its three cases (PGlite takes seconds to migrate). */
  const databases = new Map<DatabaseKind, TestDatabase>();
  beforeAll(async () => {
    for (const kind of kinds) databases.set(kind, await createTestDatabase(kind));
    server = await startRedisServer();
    upstash = await startUpstashRest({ token: "bus-token", redisUrl: server.url });
  });
  afterAll(async () => {
    for (const db of databases.values()) await db.destroy();
    await upstash?.close();
    await server?.stop();
  });

  const redisEnv = () => ({
    none: {},
    upstash: { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: "bus-token" },
    redis: { REDIS_URL: server.url },
  });
  // The embedded database has one process per data directory: nobody else to tell, whatever
  // Redis. PostgreSQL with a plain Redis uses its pub/sub; with Upstash (REST cannot subscribe)
  // or without Redis, LISTEN/NOTIFY.
  const expected = {
    pglite: { none: LocalRevocationBus, upstash: LocalRevocationBus, redis: LocalRevocationBus },
    postgresql: {
      none: PostgresRevocationBus,
      upstash: PostgresRevocationBus,
      redis: RedisRevocationBus,
    },
  } as const;
  const cases = kinds.flatMap((database) =>
    (["none", "upstash", "redis"] as const).map((redis) => [database, redis] as const),
  );

  it.each(cases)("%s with %s Redis", async (kind: DatabaseKind, redis) => {
    const db = databases.get(kind)!;
    const config = loadConfig(
      {
        AUTH_SECRET: SECRET,
        APP_URL: "http://app.test",
        ...(db.url ? { DATABASE_URL: db.url } : {}),
        ...redisEnv()[redis],
      },
      { warn: () => undefined },
    );
    const backends = await createBackends(
      {
        db,
        clock: new TestClock(),
        events: () => undefined,
        loadRevocations: () => Promise.resolve({ sessions: [], versions: [], tokens: [] }),
      },
      config,
    );
    try {
      expect(backends.bus.constructor).toBe(expected[kind][redis]);
      const name = redis === "none" ? "database" : redis;
      expect([backends.store.name, backends.limiter.name]).toEqual([name, name]);
      await backends.store.ping();
      await backends.limiter.ping();
    } finally {
      await backends.close();
    }
  });
});

describe.runIf(hasRedis && kinds.includes("postgresql"))(
  "two instances over PostgreSQL and a plain Redis",
  () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(() => server?.stop());

    it("carry a logout on one to the other's live streams over Redis", async () => {
      const db = await createTestDatabase("postgresql");
      const env = { DATABASE_URL: db.url!, REDIS_URL: server.url };
      const a = await startCore({ db, env });
      const b = await startCore({ db, env });
      try {
        expect(b.auth.bus).toBeInstanceOf(RedisRevocationBus);
        // No LISTEN on PostgreSQL: the only way from A to B is the Redis channel.
        const [listening] = await db.prisma.$queryRaw<{ count: bigint }[]>`
          SELECT count(*) AS count FROM pg_stat_activity
          WHERE datname = current_database() AND query ILIKE 'LISTEN%'`;
        expect(Number(listening!.count)).toBe(0);
        const user = await signedIn(a);
        const onB = listen(b.auth.bus);
        await a.auth.sessions.logout({ accessToken: user.pair.accessToken });
        await onB.until(1);
        expect(onB.heard[0]).toEqual({
          kind: "sessions",
          userId: user.identity.user.id,
          sessionIds: [user.pair.sessionId],
          reason: "logout",
        });
      } finally {
        await a.close();
        await b.close();
        await db.destroy();
      }
    });
  },
);
