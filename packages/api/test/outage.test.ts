/**
 * Outages (issue 6): the revocation store (the Upstash REST endpoint stopped; a plain Redis
 * stopped, or frozen so that it hangs) and the database (a TCP
 * proxy in front of the shared PostgreSQL, cut and restored; the server's DATABASE_URL points at
 * the proxy). Protected calls fail closed with 503 and accept nothing; nothing is half-written;
 * everything works again once the dependency is back, without restarting the server.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sha256 } from "@authkit/auth/internal";
import { openDatabase } from "@authkit/db";
import {
  createTestDatabase,
  postgresAvailable,
  redisAvailable,
  startRedisServer,
  type RedisServer,
  type TestDatabase,
} from "@authkit/db/testing";

import {
  call,
  login,
  quickDatabase,
  rawRefreshToken,
  registerAndLogin,
  startTestServer,
  startWithRedisOutage,
  storeKinds,
  type CallResult,
  type RedisOutage,
  type TestServer,
} from "./harness";

const UNAVAILABLE = { message: "Service temporarily unavailable", code: -32603 };

function expectUnavailable(result: CallResult, what: string) {
  expect(result.status, `${what}: ${result.text}`).toBe(503);
  expect(result.body.error?.data.code, what).toBe("SERVICE_UNAVAILABLE");
  expect(result.body.error?.message, what).toBe(UNAVAILABLE.message);
  expect(result.text, what).not.toMatch(
    /ECONNREFUSED|ECONNRESET|127\.0\.0\.1|postgres|redis|prisma|stack/i,
  );
}

// ---- The revocation store ------------------------------------------------------------------------

describe.each(await storeKinds("upstash", "redis"))("the %s revocation store down", (store) => {
  let outage: RedisOutage;
  beforeAll(async () => {
    outage = await startWithRedisOutage({ database: await quickDatabase(), store });
  });
  afterAll(() => outage.close());

  it("answers every protected call 503 while down, accepts no token, and recovers on its own", async () => {
    const base = outage.server.url;
    const alive = await registerAndLogin(base);
    const revoked = await registerAndLogin(base);
    expect(
      (
        await call(base, "mutation", "auth.logout", {
          token: revoked.accessToken,
          cookie: revoked.cookie,
        })
      ).status,
    ).toBe(200);
    await outage.down();

    for (const [who, token] of [
      ["a live token", alive.accessToken],
      ["a revoked token", revoked.accessToken],
    ] as const) {
      expectUnavailable(await call(base, "query", "user.me", { token }), `user.me with ${who}`);
      expectUnavailable(
        await call(base, "query", "session.list", { token }),
        `session.list with ${who}`,
      );
      expectUnavailable(
        await call(base, "mutation", "auth.logoutAll", { token }),
        `logoutAll with ${who}`,
      );
    }
    // Logout cannot record the revocation everywhere: it says so rather than pretending.
    expectUnavailable(
      await call(base, "mutation", "auth.logout", {
        token: alive.accessToken,
        cookie: alive.cookie,
      }),
      "logout",
    );
    // Login is rate limited through the same Redis: it fails closed too.
    expectUnavailable(
      await call(base, "mutation", "auth.login", {
        input: { email: alive.email, password: alive.password },
      }),
      "login",
    );
    // A bad token needs no store to be refused.
    expect((await call(base, "query", "user.me", { token: "garbage" })).status).toBe(401);

    await outage.up();
    expect((await call(base, "query", "user.me", { token: revoked.accessToken })).status).toBe(401);
    // The logout that answered 503 was committed to the database, the source of truth: once
    // Redis answers again the token is refused, and the client's retry says it is done.
    expect((await call(base, "query", "user.me", { token: alive.accessToken })).status).toBe(401);
    const retried = await call(base, "mutation", "auth.logout", {
      token: alive.accessToken,
      cookie: alive.cookie,
    });
    expect(retried.status).toBe(200);
    expect((await call(base, "mutation", "auth.refresh", { cookie: alive.cookie })).status).toBe(
      401,
    );
    // Everything works again.
    const again = await login(base, alive.email, alive.password);
    expect((await call(base, "query", "user.me", { token: again.accessToken })).status).toBe(200);
    const refreshed = await call(base, "mutation", "auth.refresh", { cookie: again.cookie });
    expect(refreshed.status).toBe(200);
  });
});

describe.runIf(await redisAvailable())("a plain Redis that hangs", () => {
  let redis: RedisServer;
  let server: TestServer;
  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startTestServer({
      database: await quickDatabase(),
      store: "redis",
      redisUrl: redis.url,
    });
  });
  afterAll(async () => {
    redis?.thaw();
    await server?.close();
    await redis?.stop();
  });

  // A frozen redis-server keeps its connections open and answers nothing. Without the client's
  // command timeout and disabled offline queue these requests would wait for ever (and the
  // test would time out); with them, each one is a clear 503.
  it("answers 503 instead of holding requests, and recovers when Redis answers again", async () => {
    const base = server.url;
    const user = await registerAndLogin(base);
    redis.freeze();
    try {
      const during = await Promise.all([
        call(base, "query", "user.me", { token: user.accessToken }),
        call(base, "mutation", "auth.login", {
          input: { email: user.email, password: user.password },
        }),
        call(base, "mutation", "auth.logout", { token: user.accessToken, cookie: user.cookie }),
      ]);
      for (const [i, result] of during.entries()) expectUnavailable(result, `call ${i}`);
    } finally {
      redis.thaw();
    }
    // The logout that answered 503 was committed to the database: it holds.
    await expect
      .poll(
        async () => (await call(base, "query", "user.me", { token: user.accessToken })).status,
        {
          timeout: 15_000,
        },
      )
      .toBe(401);
    const again = await login(base, user.email, user.password);
    expect((await call(base, "query", "user.me", { token: again.accessToken })).status).toBe(200);
  });
});

// ---- The database --------------------------------------------------------------------------------

/**
 * A TCP proxy the test can cut: every open socket is destroyed at once (a pooled connection
 * must notice, not hang), and new ones are dropped until `restore()`. `cutOn` cuts at the
 * moment the client sends a query matching a pattern, before it reaches the server: the
 * database then sees a connection die in the middle of a transaction.
 */
class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  private trigger: RegExp | undefined;
  cuts = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => holder.proxy!.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    holder.proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return holder.proxy;
  }

  private accept(client: Socket, target: { host: string; port: number }) {
    if (this.down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("data", (chunk: Buffer) => {
      if (this.trigger?.test(chunk.toString("latin1"))) {
        this.trigger = undefined;
        this.cut();
        return;
      }
      upstream.write(chunk);
    });
  }

  cut() {
    this.down = true;
    this.cuts++;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Cut when a query matching `pattern` goes out (that query never arrives). */
  cutOn(pattern: RegExp) {
    this.trigger = pattern;
  }

  restore() {
    this.trigger = undefined;
    this.down = false;
  }

  close() {
    this.cut();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const hasPostgres = await postgresAvailable();

describe.runIf(hasPostgres)("database unreachable (TCP proxy in front of PostgreSQL)", () => {
  let direct: TestDatabase;
  let proxied: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  let base: string;
  /** Moves the server's clock past REFRESH_REUSE_GRACE: a consumed token then counts as replayed. */
  const pastReuseGrace = () => server.clock.advance(11);

  beforeAll(async () => {
    direct = await createTestDatabase("postgresql");
    const target = new URL(direct.url!);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(direct.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const db = await openDatabase({ url: viaProxy.toString() });
    proxied = { ...db, url: viaProxy.toString(), destroy: () => db.close() };
    server = await startTestServer({
      database: "postgresql",
      store: "database",
      db: proxied,
      env: { DATABASE_URL: viaProxy.toString() },
    });
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
    await proxied.destroy();
    await proxy.close();
    await direct.destroy();
  });

  /** Everything a failed call could have half-written, read around the proxy. */
  async function state(userId: string) {
    const { prisma } = direct;
    const sessions = await prisma.session.findMany({
      where: { userId },
      select: { id: true, revokedAt: true },
    });
    const tokens = await prisma.refreshToken.findMany({
      where: { session: { userId } },
      select: { tokenHash: true, consumedAt: true },
      orderBy: { createdAt: "asc" },
    });
    const user = await prisma.user.findUniqueOrThrow({
      where: { id: userId },
      select: { tokenVersion: true },
    });
    return { sessions, tokens, tokenVersion: user.tokenVersion };
  }

  it("fails login, refresh, register and protected calls with a clear 503, then recovers", async () => {
    const user = await registerAndLogin(base);
    const before = await state(user.userId);
    proxy.cut();
    try {
      expectUnavailable(
        await call(base, "mutation", "auth.login", {
          input: { email: user.email, password: user.password },
        }),
        "login",
      );
      expectUnavailable(
        await call(base, "mutation", "auth.refresh", { cookie: user.cookie }),
        "refresh",
      );
      expectUnavailable(
        await call(base, "mutation", "auth.register", {
          input: { email: `x${Date.now()}@example.com`, password: "long enough pw" },
        }),
        "register",
      );
      // The database store cannot say the token is alive: refused, never accepted.
      expectUnavailable(
        await call(base, "query", "user.me", { token: user.accessToken }),
        "user.me",
      );
      expectUnavailable(
        await call(base, "mutation", "auth.logout", {
          cookie: user.cookie,
          token: user.accessToken,
        }),
        "logout",
      );
    } finally {
      proxy.restore();
    }
    // Nothing was written: no orphan session, the refresh token unconsumed, the version unchanged.
    expect(await state(user.userId)).toEqual(before);
    // Without a restart: the old refresh token works, and was consumed by that (past the reuse
    // grace it is refused).
    const refreshed = await call(base, "mutation", "auth.refresh", { cookie: user.cookie });
    expect(refreshed.status).toBe(200);
    pastReuseGrace();
    expect((await call(base, "mutation", "auth.refresh", { cookie: user.cookie })).status).toBe(
      401,
    );
    await login(base, user.email, user.password);
  });

  it("rolls a refresh back when the connection dies inside its transaction", async () => {
    const user = await registerAndLogin(base);
    const before = await state(user.userId);
    // The exchange (consume the old token, insert the new one) is on its way when the line goes.
    proxy.cutOn(/INSERT INTO "?(public"?\."?)?refresh_tokens/);
    const cuts = proxy.cuts;
    const result = await call(base, "mutation", "auth.refresh", { cookie: user.cookie });
    proxy.restore();
    expect(proxy.cuts).toBe(cuts + 1);
    expectUnavailable(result, "refresh cut mid-transaction");
    await expect.poll(() => state(user.userId), { timeout: 60_000 }).toEqual(before);
    const stored = before.tokens.find((t) => t.tokenHash === sha256(rawRefreshToken(user.cookie)));
    expect(stored?.consumedAt).toBeNull();
    // The old token works, and is consumed by that (past the reuse grace it is refused).
    const refreshed = await call<{ accessToken: string }>(base, "mutation", "auth.refresh", {
      cookie: user.cookie,
    });
    expect(refreshed.status).toBe(200);
    pastReuseGrace();
    expect((await call(base, "mutation", "auth.refresh", { cookie: user.cookie })).status).toBe(
      401,
    );
  });

  it("leaves no orphan session when the connection dies inside a login", async () => {
    const user = await registerAndLogin(base);
    const before = await state(user.userId);
    // The session and its first refresh token are on their way (one statement).
    proxy.cutOn(/INSERT INTO "?(public"?\."?)?refresh_tokens/);
    const cuts = proxy.cuts;
    const result = await call(base, "mutation", "auth.login", {
      input: { email: user.email, password: user.password },
    });
    proxy.restore();
    expect(proxy.cuts).toBe(cuts + 1);
    expectUnavailable(result, "login cut mid-transaction");
    await expect.poll(() => state(user.userId), { timeout: 60_000 }).toEqual(before);
    const again = await login(base, user.email, user.password);
    expect((await call(base, "query", "user.me", { token: again.accessToken })).status).toBe(200);
    expect((await state(user.userId)).sessions).toHaveLength(before.sessions.length + 1);
  });

  it("survives repeated cuts under concurrent load without a restart", async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => registerAndLogin(base)));
    for (let round = 0; round < 3; round++) {
      const inflight = users.map((u) => call(base, "query", "user.me", { token: u.accessToken }));
      proxy.cut();
      const results = await Promise.all(inflight);
      for (const r of results) expect([200, 503]).toContain(r.status);
      proxy.restore();
      for (const u of users)
        expect((await call(base, "query", "user.me", { token: u.accessToken })).status).toBe(200);
    }
  });
});
