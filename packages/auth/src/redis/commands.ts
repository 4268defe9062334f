import { createHash } from "node:crypto";

/**
 * The few Redis commands the revocation store and the rate limiter use, so each algorithm is
 * written once and runs on either client: `@upstash/redis` (Upstash's REST protocol) or
 * `ioredis` (the Redis protocol, `REDIS_URL`). Every method throws when Redis does not answer;
 * callers turn that into 503, never into "allowed" or "not revoked".
 */
export interface RedisCommands {
  /** `upstash` or `redis`: what operators see in logs and tests assert on. */
  readonly name: RedisBackendName;
  /** Values as Redis holds them (strings), `null` for missing keys, in the order asked. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string, options?: { expireSeconds?: number }): Promise<void>;
  del(key: string): Promise<void>;
  /** Runs a script by its SHA1 (EVALSHA), sending its text (EVAL) only when Redis lacks it. */
  run(script: RedisScript, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  /** Answers when Redis does (readiness). */
  ping(): Promise<void>;
  /** Releases connections (a REST client holds none). */
  close(): Promise<void>;
}

export type RedisBackendName = "upstash" | "redis";

/** A Lua script with its SHA1, so it is sent once per Redis and named by its hash after. */
export interface RedisScript {
  readonly text: string;
  readonly sha1: string;
}

export function redisScript(text: string): RedisScript {
  return { text, sha1: createHash("sha1").update(text).digest("hex") };
}

/**
 * EVALSHA, then EVAL when Redis answers NOSCRIPT (first use, or a restart emptied its script
 * cache). Shared by both clients: they differ only in how the two commands are sent.
 */
export async function runScript(
  send: {
    evalsha(sha1: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
    eval(text: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  },
  script: RedisScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await send.evalsha(script.sha1, keys, args);
  } catch (error) {
    if (!String(error).includes("NOSCRIPT")) throw error;
    return send.eval(script.text, keys, args);
  }
}
