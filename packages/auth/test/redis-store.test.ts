/**
 * The Redis revocation store's contract, on both clients against a real redis-server of this
 * suite's own (so it may flush, stop and freeze it): Upstash's REST protocol (through the
 * tooling bridge) and a plain Redis (`REDIS_URL`, ioredis). One implementation runs on both;
 * these tests hold it to the same promises on each: the database is the truth, an emptied Redis
 * is noticed and rebuilt, a Redis that is down or hangs fails closed, and a revocation whose
 * Redis write failed after the database committed still holds on every instance.
 */
import { randomUUID } from "node:crypto";

import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

import { isAuthError } from "../src/errors";
import type { RedisCommands } from "../src/redis/commands";
import { connectRedis, ioredisCommands, RedisUnavailableError } from "../src/redis/ioredis";
import { upstashCommands } from "../src/redis/upstash";
import { DatabaseRevocationStore } from "../src/revocation/database";
import { RedisRevocationStore } from "../src/revocation/redis";
import { signedIn, startCore, type CoreUnderTest } from "./setup";

const hasRedis = await redisAvailable();
/** The store does not care which database is behind it: PostgreSQL starts fastest. */
const kind: DatabaseKind = (await databaseKinds()).includes("postgresql") ? "postgresql" : "pglite";
const TOKEN = "store-contract-token";

/** How a token fares: accepted, refused (401), or the store could not say (503). */
async function verdict(core: CoreUnderTest, token: string) {
  try {
    await core.auth.authenticate(token);
    return "accepted";
  } catch (error) {
    if (isAuthError(error, "UNAUTHENTICATED")) return "refused";
    if (isAuthError(error, "UNAVAILABLE")) return "unavailable";
    throw error;
  }
}

/** Polls a condition: a restarted Redis takes its clients a moment to redial. */
const eventually = <T>(read: () => T | Promise<T>) =>
  expect.poll(read, { timeout: 15_000, interval: 50 });

/** A connection of the test's own, quiet about the outages the tests cause. */
function directConnection(url: string): IORedis {
  const client = new IORedis(url);
  client.on("error", () => undefined);
  return client;
}

/** One way to reach the suite's redis-server, on a database number of its own. */
interface Backend {
  env: Record<string, string>;
  /** Straight to the same database, to look at and tamper with what the store wrote. */
  direct: IORedis;
  /** The store's commands, for tests that drive the store itself. */
  commands(): Promise<RedisCommands>;
  /** Redis unreachable with its data kept: the bridge stops, or the server freezes (hangs). */
  outage(): Promise<void>;
  recover(): Promise<void>;
  close(): Promise<void>;
}

async function upstashBackend(server: RedisServer, db: number): Promise<Backend> {
  const redisUrl = `${server.url}/${db}`;
  let rest: UpstashRest = await startUpstashRest({ token: TOKEN, redisUrl });
  const { port, url } = rest;
  return {
    env: { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: TOKEN },
    direct: directConnection(redisUrl),
    commands: () => Promise.resolve(upstashCommands({ url, token: TOKEN })),
    outage: () => rest.close(),
    recover: async () => {
      rest = await startUpstashRest({ token: TOKEN, redisUrl, port });
    },
    close: () => rest.close(),
  };
}

function plainBackend(server: RedisServer, db: number): Promise<Backend> {
  const redisUrl = `${server.url}/${db}`;
  return Promise.resolve({
    env: { REDIS_URL: redisUrl },
    direct: directConnection(redisUrl),
    commands: async () => ioredisCommands(await connectRedis(redisUrl)),
    outage: () => Promise.resolve(server.freeze()),
    recover: () => Promise.resolve(server.thaw()),
    close: () => Promise.resolve(),
  });
}

const backends = [
  ["Upstash REST", upstashBackend, 1],
  ["plain Redis", plainBackend, 2],
] as const;

describe.runIf(hasRedis).each(backends)("the Redis revocation store over %s", (_, open, db) => {
  let server: RedisServer;
  let backend: Backend;
  let core: CoreUnderTest;
  const epoch = () => backend.direct.exists("auth:rv:epoch");
  const storeEvents = (from: number) => core.events.slice(from).map(({ event }) => event);

  beforeAll(async () => {
    server = await startRedisServer();
    backend = await open(server, db);
    core = await startCore({ kind, env: backend.env });
  });
  afterAll(async () => {
    await core?.close();
    backend?.direct.disconnect();
    await backend?.close();
    await server?.stop();
  });

  it("is built from the database on first use, then answers from Redis", async () => {
    const live = await signedIn(core);
    expect(await verdict(core, live.pair.accessToken)).toBe("accepted");
    // The event follows the epoch's write: wait for it, then the epoch is there.
    await eventually(() => storeEvents(0)).toContain("revocation_store.rebuilt");
    expect(await epoch()).toBe(1);
    // Redis is what answers now: a revocation written straight into it is obeyed.
    await backend.direct.set(`auth:rv:sid:${live.pair.sessionId}`, "1", "EX", 60);
    expect(await verdict(core, live.pair.accessToken)).toBe("refused");
  });

  it("mirrors a logout into Redis, keyed by session and token", async () => {
    const user = await signedIn(core);
    await core.auth.sessions.logout({ accessToken: user.pair.accessToken });
    expect(await backend.direct.exists(`auth:rv:sid:${user.pair.sessionId}`)).toBe(1);
    expect(await backend.direct.exists(`auth:rv:jti:${user.identity.token.jti}`)).toBe(1);
    expect(await verdict(core, user.pair.accessToken)).toBe("refused");
  });

  it("after a flush, asks the database until Redis is rebuilt, then holds the revocation again", async () => {
    const gone = await signedIn(core);
    const live = await signedIn(core);
    await core.auth.sessions.logout({ accessToken: gone.pair.accessToken });
    await eventually(epoch).toBe(1);
    const rebuilt = core.events.length;
    expect(await backend.direct.flushdb()).toBe("OK");
    // Redis holds nothing: only the database can refuse this token.
    expect(await verdict(core, gone.pair.accessToken)).toBe("refused");
    expect(await verdict(core, live.pair.accessToken)).toBe("accepted");
    await eventually(() => storeEvents(rebuilt)).toEqual([
      "revocation_store.rebuilding",
      "revocation_store.rebuilt",
    ]);
    expect(await epoch()).toBe(1);
    expect(await backend.direct.exists(`auth:rv:sid:${gone.pair.sessionId}`)).toBe(1);
    expect(await verdict(core, gone.pair.accessToken)).toBe("refused");
  });

  it("does not mark Redis whole when a flush lands during the rebuild's copy", async () => {
    const commands = await backend.commands();
    const sessionId = randomUUID();
    const store = (flushDuringCopy: boolean) =>
      new RedisRevocationStore(commands, {
        clock: core.clock,
        accessTokenTtlSeconds: 900,
        clockToleranceSeconds: 5,
        authority: new DatabaseRevocationStore(core.db),
        loadRevocations: async () => {
          if (flushDuringCopy) await backend.direct.flushdb();
          return { sessions: [sessionId], versions: [], tokens: [] };
        },
      });
    try {
      await backend.direct.del("auth:rv:epoch");
      await store(true).rebuild();
      expect(await epoch()).toBe(0);
      await store(false).rebuild();
      expect(await epoch()).toBe(1);
      expect(await backend.direct.exists(`auth:rv:sid:${sessionId}`)).toBe(1);
    } finally {
      await commands.close();
    }
  });

  it("fails closed while Redis is down, and comes back empty without forgetting", async () => {
    const gone = await signedIn(core);
    const live = await signedIn(core);
    await core.auth.sessions.logout({ accessToken: gone.pair.accessToken });
    await server.stop();
    try {
      expect(await verdict(core, gone.pair.accessToken)).toBe("unavailable");
      expect(await verdict(core, live.pair.accessToken)).toBe("unavailable");
      // The limiter counts in the same Redis: a login cannot be counted, so it is refused.
      await expect(
        core.auth.sessions.login({ email: live.email, password: live.password }),
      ).rejects.toSatisfy((error) => isAuthError(error, "UNAVAILABLE"));
    } finally {
      await server.start();
    }
    // The restarted Redis is empty (no persistence): the database answers, then Redis is rebuilt.
    await eventually(() => verdict(core, live.pair.accessToken)).toBe("accepted");
    expect(await verdict(core, gone.pair.accessToken)).toBe("refused");
    await eventually(epoch).toBe(1);
    expect(await verdict(core, gone.pair.accessToken)).toBe("refused");
    await core.auth.sessions.login({ email: live.email, password: live.password });
  });

  it("holds a revocation whose Redis write failed after the database committed, on every instance", async () => {
    const other = await startCore({ db: core.db, env: backend.env });
    try {
      const user = await signedIn(core);
      expect(await verdict(other, user.pair.accessToken)).toBe("accepted");
      await eventually(epoch).toBe(1);
      await backend.outage();
      try {
        await expect(
          core.auth.sessions.logout({ refreshToken: user.pair.refreshToken }),
        ).rejects.toSatisfy((error) => isAuthError(error, "UNAVAILABLE"));
      } finally {
        await backend.recover();
      }
      await eventually(() => core.auth.store.ping().then(() => "answers")).toBe("answers");
      const session = await core.db.prisma.session.findUniqueOrThrow({
        where: { id: user.pair.sessionId },
      });
      expect(session.revokedAt).not.toBeNull();
      // This instance knows its write failed, and stops trusting Redis; it deletes the epoch,
      // which sends the other instance to the database too.
      expect(await verdict(core, user.pair.accessToken)).toBe("refused");
      await eventually(() => verdict(other, user.pair.accessToken)).toBe("refused");
      // The client's retry writes Redis, although the database had nothing left to change.
      await core.auth.sessions.logout({ refreshToken: user.pair.refreshToken });
      expect(await backend.direct.exists(`auth:rv:sid:${user.pair.sessionId}`)).toBe(1);
      await eventually(epoch).toBe(1);
      expect(await verdict(other, user.pair.accessToken)).toBe("refused");
    } finally {
      await other.close();
    }
  });

  it("answers ping while Redis does, and throws when it does not", async () => {
    await expect(core.auth.store.ping()).resolves.toBeUndefined();
    await expect(core.auth.rateLimiter.ping()).resolves.toBeUndefined();
    await server.stop();
    try {
      await expect(core.auth.store.ping()).rejects.toThrow();
      await expect(core.auth.rateLimiter.ping()).rejects.toThrow();
    } finally {
      await server.start();
    }
    await eventually(() => core.auth.store.ping().then(() => "answers")).toBe("answers");
    await expect(core.auth.rateLimiter.ping()).resolves.toBeUndefined();
  });
});

describe.runIf(hasRedis)("a plain Redis that stops answering", () => {
  let server: RedisServer;
  let core: CoreUnderTest;
  beforeAll(async () => {
    server = await startRedisServer();
    core = await startCore({ kind, env: { REDIS_URL: server.url } });
  });
  afterAll(async () => {
    server?.thaw();
    await core?.close();
    await server?.stop();
  });

  // A frozen server accepts nothing and answers nothing: without the client's command timeout
  // these calls would wait for ever (and this test would time out).
  it("turns every check, count and readiness probe into UNAVAILABLE, and recovers", async () => {
    const user = await signedIn(core);
    expect(await verdict(core, user.pair.accessToken)).toBe("accepted");
    server.freeze();
    try {
      expect(await verdict(core, user.pair.accessToken)).toBe("unavailable");
      await expect(
        core.auth.sessions.login({ email: user.email, password: user.password }),
      ).rejects.toSatisfy((error) => isAuthError(error, "UNAVAILABLE"));
      await expect(core.auth.store.ping()).rejects.toThrow();
    } finally {
      server.thaw();
    }
    await eventually(() => verdict(core, user.pair.accessToken)).toBe("accepted");
    await core.auth.sessions.login({ email: user.email, password: user.password });
  });
});

describe.runIf(hasRedis)("connecting to REDIS_URL at start", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db?.destroy());

  it("fails once, clearly, and without the password, when Redis does not answer", async () => {
    const server = await startRedisServer();
    await server.stop();
    const url = `redis://:hunter2-secret@127.0.0.1:${server.port}/0`;
    const failure = await startCore({ db, env: { REDIS_URL: url } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect((failure as Error).message).toBe(
      `REDIS_URL: Redis did not answer (connect ECONNREFUSED 127.0.0.1:${server.port})`,
    );
    expect(String(failure)).not.toContain("hunter2");
  });
});
