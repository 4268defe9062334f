import { Redis, type RedisOptions } from "ioredis";

import { runScript, type RedisCommands } from "./commands";

/**
 * How the server talks to a plain Redis (`REDIS_URL`). A Redis that is down or stops answering
 * must turn into 503 within about a second, never into requests that hang or pile up:
 * - no offline queue: while the connection is not ready, a command fails at once;
 * - `commandTimeout`: a command without a reply within 1 s fails (a Redis that hangs);
 * - `socketTimeout`: a connection that owes replies and stays silent is dropped and redialled;
 * - commands cut off by a lost connection fail instead of being resent (a rate-limit count
 *   must not be taken twice), and reconnection goes on forever at a bounded pace.
 */
export const REDIS_CLIENT_OPTIONS = {
  lazyConnect: true,
  enableOfflineQueue: false,
  commandTimeout: 1000,
  socketTimeout: 5000,
  connectTimeout: 2000,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  // Commands issued in one tick (a revocation's writes, a login's limits) go in one write.
  enableAutoPipelining: true,
  // RESP2: every Redis-compatible server and proxy speaks it, and nothing here needs RESP3.
  protocol: 2,
  connectionName: "authkit",
} satisfies RedisOptions;

/**
 * `REDIS_URL` did not answer at start-up. The message names the variable and the cause, never
 * the URL: it may hold a password.
 */
export class RedisUnavailableError extends Error {
  readonly variable = "REDIS_URL";
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`REDIS_URL: Redis did not answer (${reason})`, options);
    this.name = "RedisUnavailableError";
  }
}

/** Connects to `REDIS_URL`, or throws a RedisUnavailableError. */
export async function connectRedis(url: string): Promise<Redis> {
  const client = new Redis(url, REDIS_CLIENT_OPTIONS);
  // `connect` only says the connection closed; the error event says why.
  let cause: unknown;
  const remember = (error: unknown) => (cause = error);
  client.on("error", remember);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    cause ??= error;
    throw new RedisUnavailableError(cause instanceof Error ? cause.message : String(cause), {
      cause,
    });
  }
  // From now on every failure reaches the command that met it; without a listener ioredis
  // would print each reconnect attempt as an unhandled error.
  client.off("error", remember);
  client.on("error", () => undefined);
  return client;
}

/** The commands over the Redis protocol, on a connection `connectRedis` opened. */
export function ioredisCommands(client: Redis): RedisCommands {
  const send = {
    evalsha: (sha1: string, keys: readonly string[], args: readonly string[]) =>
      client.evalsha(sha1, keys.length, ...keys, ...args),
    eval: (text: string, keys: readonly string[], args: readonly string[]) =>
      client.eval(text, keys.length, ...keys, ...args),
  };
  return {
    name: "redis",
    mget: (keys) => client.mget(...keys),
    set: async (key, value, { expireSeconds } = {}) => {
      await (expireSeconds === undefined
        ? client.set(key, value)
        : client.set(key, value, "EX", expireSeconds));
    },
    del: async (key) => {
      await client.del(key);
    },
    run: (script, keys, args) => runScript(send, script, keys, args),
    ping: async () => {
      await client.ping();
    },
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
