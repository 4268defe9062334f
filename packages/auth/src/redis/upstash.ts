import { Redis } from "@upstash/redis";

import { runScript, type RedisCommands } from "./commands";

/**
 * The commands over Upstash's REST protocol (`UPSTASH_REDIS_REST_URL`). Concurrent commands
 * share one HTTP request (the client's auto-pipelining). Values come back as Redis holds them:
 * the client's JSON deserialization is off, so both clients answer alike.
 */
export function upstashCommands(settings: { url: string; token: string }): RedisCommands {
  const redis = new Redis({
    url: settings.url,
    token: settings.token,
    enableTelemetry: false,
    // A failed request is answered 503 at once; the caller retries, not the client.
    retry: false,
    automaticDeserialization: false,
  });
  const send = {
    evalsha: (sha1: string, keys: readonly string[], args: readonly string[]) =>
      redis.evalsha(sha1, [...keys], [...args]),
    eval: (text: string, keys: readonly string[], args: readonly string[]) =>
      redis.eval(text, [...keys], [...args]),
  };
  return {
    name: "upstash",
    mget: async (keys) =>
      (await redis.mget<(string | null)[]>(...keys)).map((value) =>
        value == null ? null : String(value),
      ),
    set: async (key, value, { expireSeconds } = {}) => {
      await (expireSeconds === undefined
        ? redis.set(key, value)
        : redis.set(key, value, { ex: expireSeconds }));
    },
    del: async (key) => {
      await redis.del(key);
    },
    run: (script, keys, args) => runScript(send, script, keys, args),
    ping: async () => {
      await redis.ping();
    },
    close: () => Promise.resolve(),
  };
}
