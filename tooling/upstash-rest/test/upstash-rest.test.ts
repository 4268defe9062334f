/**
 * Drives the endpoint with the real @upstash/redis and @upstash/ratelimit
 * clients against the real redis-server, plus a few raw HTTP requests for the
 * protocol details the clients hide. Every key lives under a random prefix
 * that afterAll deletes.
 */
import { createHash, randomUUID } from "node:crypto";
import { once } from "node:events";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashRest, type UpstashRest } from "../src/index";

// eslint-disable-next-line no-restricted-properties -- test tooling, not app configuration
const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const TOKEN = `test-token-${randomUUID()}`;
const PREFIX = `upstash-rest-test:${randomUUID()}:`;
const key = (name: string) => `${PREFIX}${name}`;

let endpoint: UpstashRest;
let redis: Redis;
/** A plain connection to redis-server, for cleanup and for subscribing. */
let direct: IORedis;

/** A client that fails at once instead of retrying for seconds when the endpoint is down. */
const client = (url: string, token = TOKEN) => new Redis({ url, token, retry: false });

/** One raw request, to check what goes over the wire. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${endpoint.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json();
  return { status: res.status, body: json };
}

beforeAll(async () => {
  endpoint = await startUpstashRest({ token: TOKEN, redisUrl: REDIS_URL });
  redis = client(endpoint.url);
  direct = new IORedis(REDIS_URL);
});

afterAll(async () => {
  const keys = await direct.keys(`${PREFIX}*`);
  if (keys.length > 0) await direct.del(...keys);
  await direct.quit();
  await endpoint.close();
});

describe("@upstash/redis through the endpoint", () => {
  it("sets with EX and gets, including non-ASCII and JSON values", async () => {
    expect(await redis.set(key("s"), "héllo ✓ 🚀", { ex: 60 })).toBe("OK");
    expect(await redis.get(key("s"))).toBe("héllo ✓ 🚀");
    const ttl = await redis.ttl(key("s"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);

    await redis.set(key("json"), { a: 1, list: ["x"] });
    expect(await redis.get(key("json"))).toEqual({ a: 1, list: ["x"] });
    expect(await redis.get(key("missing"))).toBeNull();
  });

  it("mgets with missing keys as null", async () => {
    await redis.set(key("m1"), "one");
    expect(await redis.mget(key("m1"), key("m-missing"))).toEqual(["one", null]);
  });

  it("incr, incrby and del", async () => {
    expect(await redis.incr(key("n"))).toBe(1);
    expect(await redis.incrby(key("n"), 5)).toBe(6);
    await redis.set(key("d"), "x");
    expect(await redis.del(key("n"), key("d"), key("d-missing"))).toBe(2);
    expect(await redis.exists(key("n"), key("d"))).toBe(0);
  });

  it("expire and ttl", async () => {
    await redis.set(key("e"), "x");
    expect(await redis.ttl(key("e"))).toBe(-1);
    expect(await redis.expire(key("e"), 100)).toBe(1);
    const ttl = await redis.ttl(key("e"));
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.ttl(key("e-missing"))).toBe(-2);
  });

  it("hset and hgetall (a flat reply, turned into an object by the client)", async () => {
    expect(await redis.hset(key("h"), { name: "ada", n: 3 })).toBe(2);
    expect(await redis.hgetall(key("h"))).toEqual({ name: "ada", n: 3 });
    expect(await redis.hgetall(key("h-missing"))).toBeNull();
  });

  it("runs a pipeline, with per-command errors", async () => {
    const results = await redis
      .pipeline()
      .set(key("p"), "1")
      .incr(key("p"))
      .get(key("p"))
      .lpush(key("p"), "x")
      .exec({ keepErrors: true });
    expect(results.map((r) => r.result)).toEqual(["OK", 2, 2, undefined]);
    expect(results[3]?.error).toMatch(/WRONGTYPE/);

    await expect(redis.pipeline().get(key("p")).lpush(key("p"), "x").exec()).rejects.toThrow(
      /WRONGTYPE/,
    );
  });

  it("runs multi() atomically", async () => {
    const results = await redis.multi().set(key("tx"), "1").incr(key("tx")).get(key("tx")).exec();
    expect(results).toEqual(["OK", 2, 2]);

    // Concurrent transactions never interleave: each sees its two increments back to back.
    const all = await Promise.all(
      Array.from({ length: 20 }, () => redis.multi().incr(key("tx-c")).incr(key("tx-c")).exec()),
    );
    for (const [first, second] of all) expect(second).toBe(Number(first) + 1);
  });

  it("runs Lua: eval, script load, evalsha, and NOSCRIPT as an error the client understands", async () => {
    // A script no other test run has loaded (the prefix is random), so its SHA is unknown.
    const script = `-- ${PREFIX}\nreturn {KEYS[1], ARGV[1], 42, redis.call("INCR", KEYS[1])}`;
    expect(await redis.eval(script, [key("lua")], ["arg"])).toEqual([key("lua"), "arg", 42, 1]);

    const unknownSha = "0".repeat(40);
    await expect(redis.evalsha(unknownSha, [key("lua")], [])).rejects.toThrow(/NOSCRIPT/);

    const sha = await redis.scriptLoad(script);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await redis.evalsha(sha, [key("lua")], ["again"])).toEqual([key("lua"), "again", 42, 2]);

    // createScript() tries EVALSHA and falls back to EVAL on NOSCRIPT, like @upstash/ratelimit.
    const fresh = redis.createScript<number>(
      `-- ${PREFIX} fresh\nreturn redis.call("INCR", KEYS[1])`,
    );
    expect(await fresh.exec([key("lua-fresh")], [])).toBe(1);
    expect(await fresh.exec([key("lua-fresh")], [])).toBe(2);
  });

  it("accepts Upstash's `flags=allow-key-locking` shebang and keeps the client's SHA1", async () => {
    const script = `#!lua flags=allow-key-locking\n-- ${PREFIX}\nreturn redis.call("INCR", KEYS[1])`;
    const clientSha = createHash("sha1").update(script).digest("hex");

    expect(await redis.evalsha(clientSha, [key("locking")], []).catch(String)).toMatch(/NOSCRIPT/);
    expect(await redis.eval(script, [key("locking")], [])).toBe(1);
    expect(await redis.evalsha(clientSha, [key("locking")], [])).toBe(2);
    expect(await redis.scriptLoad(script)).toBe(clientSha);
    expect(await redis.scriptExists(clientSha, "0".repeat(40))).toEqual([1, 0]);
    expect(
      await redis
        .multi()
        .evalsha(clientSha, [key("locking")], [])
        .exec(),
    ).toEqual([3]);

    // Flags redis knows are kept: a no-writes script still may not write.
    const readOnly = `#!lua flags=no-writes,allow-key-locking\nreturn redis.call("INCR", KEYS[1])`;
    await expect(redis.eval(readOnly, [key("locking")], [])).rejects.toThrow(
      /Write commands are not allowed/,
    );
  });

  it("publishes to a real subscriber", async () => {
    const subscriber = direct.duplicate();
    try {
      await subscriber.subscribe(key("chan"));
      const received = once(subscriber, "message");
      expect(await redis.publish(key("chan"), "hello")).toBe(1);
      expect(await received).toEqual([key("chan"), "hello"]);
    } finally {
      subscriber.disconnect();
    }
  });

  it("rejects a wrong token", async () => {
    await expect(client(endpoint.url, "wrong-token").get(key("s"))).rejects.toThrow(/Unauthorized/);
  });
});

describe("wire protocol", () => {
  it("answers 401 without a valid token, and accepts ?_token=", async () => {
    const denied = await fetch(endpoint.url, { method: "POST", body: '["ping"]' });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: "Unauthorized" });

    const viaQuery = await fetch(`${endpoint.url}/?_token=${TOKEN}`, {
      method: "POST",
      body: '["ping"]',
    });
    expect(await viaQuery.json()).toEqual({ result: "PONG" });
  });

  it("answers command errors with 400 and {error}", async () => {
    await post("", ["set", key("w"), "x"]);
    expect(await post("", ["lpush", key("w"), "y"])).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/^WRONGTYPE/) as unknown },
    });
    expect((await post("", "not a command")).status).toBe(400);
    expect((await post("", ["subscribe", key("chan")])).status).toBe(400);
  });

  it("base64-encodes strings at every depth, but not numbers, nil or a top-level OK", async () => {
    const base64 = { "upstash-encoding": "base64" };
    expect(await post("", ["set", key("b"), "v"], base64)).toEqual({
      status: 200,
      body: { result: "OK" },
    });
    expect((await post("", ["get", key("b")], base64)).body).toEqual({ result: "dg==" });
    const nested = await post("", ["eval", "return {'a', 7, false, {'b', 'OK'}}", "0"], base64);
    expect(nested.body).toEqual({ result: ["YQ==", 7, null, ["Yg==", "T0s="]] });
    expect(
      (
        await post(
          "/pipeline",
          [
            ["incr", key("b-n")],
            ["type", key("b")],
          ],
          base64,
        )
      ).body,
    ).toEqual([{ result: 1 }, { result: "c3RyaW5n" }]);
    // Without the header, strings are plain text.
    expect((await post("", ["get", key("b")])).body).toEqual({ result: "v" });
  });

  it("reports a transaction redis refused to queue as one 400 error", async () => {
    const res = await post("/multi-exec", [
      ["set", key("x")],
      ["incr", key("x")],
    ]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: expect.stringMatching(/^EXECABORT.*wrong number/) as unknown,
    });
    expect(await direct.exists(key("x"))).toBe(0);
  });

  it("supports path commands, with a POST body as the last argument", async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const set = await fetch(`${endpoint.url}/set/${encodeURIComponent(key("path"))}`, {
      method: "POST",
      headers,
      body: "from body",
    });
    expect(await set.json()).toEqual({ result: "OK" });
    const get = await fetch(`${endpoint.url}/get/${encodeURIComponent(key("path"))}`, { headers });
    expect(await get.json()).toEqual({ result: "from body" });
  });

  it("runs blocking commands without holding up other requests", async () => {
    const blocked = post("", ["blpop", key("queue"), "5"]);
    // Answered while BLPOP still waits, so it did not queue behind it.
    expect(await redis.set(key("q-side"), "ok")).toBe("OK");
    await redis.lpush(key("queue"), "job");
    expect((await blocked).body).toEqual({ result: [key("queue"), "job"] });
  });
});

describe("lifecycle", () => {
  it("refuses requests after close() and works again when restarted on the same port", async () => {
    const first = await startUpstashRest({ token: TOKEN, redisUrl: REDIS_URL });
    const c = client(first.url);
    await c.set(key("life"), "before");
    await first.close();
    await first.close(); // idempotent

    await expect(c.get(key("life"))).rejects.toThrow();

    const second = await startUpstashRest({ token: TOKEN, redisUrl: REDIS_URL, port: first.port });
    try {
      expect(second.url).toBe(first.url);
      expect(await c.get(key("life"))).toBe("before");
    } finally {
      await second.close();
    }
  });

  it("fails to start when redis is unreachable", async () => {
    await expect(
      startUpstashRest({ token: TOKEN, redisUrl: "redis://127.0.0.1:1" }),
    ).rejects.toThrow(/cannot connect to redis/);
  });
});

describe("@upstash/ratelimit through the endpoint", () => {
  it("slidingWindow(3, '10 s') allows 3 requests, then blocks", async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(3, "10 s"),
      prefix: key("rl"),
    });
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      const res = await limiter.limit("user-1");
      await res.pending;
      outcomes.push({ success: res.success, remaining: res.remaining });
    }
    expect(outcomes).toEqual([
      { success: true, remaining: 2 },
      { success: true, remaining: 1 },
      { success: true, remaining: 0 },
      { success: false, remaining: 0 },
    ]);
    // Another identifier has its own window.
    expect((await limiter.limit("user-2")).success).toBe(true);
  });
});
