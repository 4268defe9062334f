/**
 * Validates command bodies and runs them on redis-server through ioredis.
 */
import { ReplyError, type Redis } from "ioredis";
import { LuaCompat, type PreparedCommand } from "./lua";
import { errorMessage, type RawReply } from "./reply";

/** A command as sent to redis: its name first, then its arguments, all strings. */
export type Command = [name: string, ...args: string[]];

/** A request the endpoint refuses before redis sees it; answered with HTTP 400. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

/** True for an error that redis-server itself replied with (a command error, HTTP 400). */
export function isRedisError(error: unknown): boolean {
  return error instanceof ReplyError || error instanceof BadRequestError;
}

/**
 * Commands that change the state of a connection. Every request shares one
 * connection, so these would leak into other requests (or, for the subscribe
 * family and MONITOR, take the connection over). Upstash refuses most of them
 * too; transactions go through /multi-exec instead.
 */
const UNSUPPORTED = new Set([
  "auth",
  "discard",
  "exec",
  "hello",
  "monitor",
  "multi",
  "psubscribe",
  "punsubscribe",
  "quit",
  "reset",
  "select",
  "ssubscribe",
  "subscribe",
  "sunsubscribe",
  "sync",
  "psync",
  "unsubscribe",
  "unwatch",
  "watch",
]);

/** Commands that can block; run on a connection of their own so they hold up nobody else. */
const BLOCKING = new Set([
  "blmove",
  "blmpop",
  "blpop",
  "brpop",
  "brpoplpush",
  "bzmpop",
  "bzpopmax",
  "bzpopmin",
  "wait",
  "waitaof",
  "xread",
  "xreadgroup",
]);

/** Checks one JSON command (`["SET", "key", "value", "EX", 10]`) and stringifies its parts. */
export function parseCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("ERR a command must be a non-empty JSON array");
  }
  const parts = value.map((part: unknown) => {
    // @upstash/redis sends numbers and booleans unquoted; redis wants them as strings.
    if (typeof part === "string" || typeof part === "number" || typeof part === "boolean") {
      return String(part);
    }
    throw new BadRequestError("ERR command arguments must be strings, numbers or booleans");
  });
  return parts as Command;
}

/** Checks a JSON array of commands, as /pipeline and /multi-exec take it. */
export function parseCommandList(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("ERR expected a non-empty JSON array of commands");
  }
  return value.map(parseCommand);
}

/** The outcome of one command inside a pipeline or transaction. */
export type Settled = { ok: true; reply: RawReply } | { ok: false; error: string };

export class RedisExecutor {
  /** Connections lent to blocking commands, so close() can end them too. */
  private readonly blockingConnections = new Set<Redis>();
  private readonly lua = new LuaCompat();

  constructor(private readonly redis: Redis) {}

  /** Runs one command; rejects with the redis error when the command fails. */
  async run(command: Command): Promise<RawReply> {
    const key = command[0].toLowerCase();
    if (UNSUPPORTED.has(key)) throw unsupported(key);
    const prepared = this.lua.prepare(command);
    if (!BLOCKING.has(key)) return await sendPrepared(this.redis, prepared);

    const connection = this.redis.duplicate();
    connection.on("error", () => {}); // surfaces as this command's rejection instead
    this.blockingConnections.add(connection);
    try {
      return await sendPrepared(connection, prepared);
    } finally {
      this.blockingConnections.delete(connection);
      connection.disconnect();
    }
  }

  /**
   * Runs commands in order, without atomicity, like Upstash's /pipeline. All of
   * them are written in the same tick on the shared connection, so they reach
   * redis back to back and in order (blocking ones included: a pipeline keeps
   * its order rather than moving them elsewhere).
   */
  async pipeline(commands: Command[]): Promise<Settled[]> {
    const pending = commands.map((command) => {
      const key = command[0].toLowerCase();
      if (UNSUPPORTED.has(key)) return Promise.reject(unsupported(key));
      return sendPrepared(this.redis, this.lua.prepare(command));
    });
    const settled = await Promise.allSettled(pending);
    return settled.map((outcome) =>
      outcome.status === "fulfilled"
        ? { ok: true, reply: outcome.value }
        : { ok: false, error: errorMessage(outcome.reason) },
    );
  }

  /**
   * Runs commands inside MULTI/EXEC. The whole transaction is written in one
   * tick on the shared connection, so no other request's command can land in
   * the middle of it. A command redis refuses while queueing aborts the whole
   * transaction (EXECABORT), which rejects; an error while executing only fails
   * that command's entry, as in redis.
   */
  async multiExec(commands: Command[]): Promise<Settled[]> {
    for (const [name] of commands) {
      const key = name.toLowerCase();
      if (UNSUPPORTED.has(key)) throw unsupported(key);
    }
    const prepared = commands.map((command) => this.lua.prepare(command));
    const pending = [
      send(this.redis, ["multi"]),
      ...prepared.map(({ command }) => send(this.redis, command)),
      send(this.redis, ["exec"]),
    ];
    const settled = await Promise.allSettled(pending);

    const exec = settled[settled.length - 1];
    if (exec?.status !== "fulfilled") {
      // Name the command that made redis discard the transaction, not just EXECABORT.
      const cause = settled.slice(0, -1).find((outcome) => outcome.status === "rejected");
      const reason: unknown = exec?.status === "rejected" ? exec.reason : undefined;
      if (cause?.status === "rejected" && cause.reason !== reason && reason instanceof ReplyError) {
        throw new BadRequestError(`${errorMessage(reason)} (${errorMessage(cause.reason)})`);
      }
      throw reason;
    }
    // EXEC answers nil only when a WATCHed key changed; WATCH is refused, but stay safe.
    if (!Array.isArray(exec.value)) throw new BadRequestError("EXECABORT Transaction aborted");
    return exec.value.map((reply, i) => {
      if (reply instanceof Error) return { ok: false, error: reply.message };
      const mapReply = prepared[i]?.mapReply;
      return { ok: true, reply: mapReply ? mapReply(reply) : reply };
    });
  }

  /** Ends connections still held by blocking commands. */
  closeBlockingConnections(): void {
    for (const connection of this.blockingConnections) connection.disconnect();
    this.blockingConnections.clear();
  }
}

/**
 * Sends one command and gets its reply as raw Buffers, so binary values are
 * kept byte for byte until the reply is encoded.
 */
function send(redis: Redis, [name, ...args]: Command): Promise<RawReply> {
  // ioredis keys its per-command behaviour on lower-case names. The exception:
  // it turns an "hgetall" reply into an object (looking the transformer up by
  // the exact name), while the REST protocol answers with the flat field/value
  // array, so HGETALL goes under a spelling ioredis does not transform.
  const lower = name.toLowerCase();
  return redis.callBuffer(lower === "hgetall" ? "HGETALL" : lower, ...args) as Promise<RawReply>;
}

async function sendPrepared(
  redis: Redis,
  { command, mapReply }: PreparedCommand,
): Promise<RawReply> {
  const reply = await send(redis, command);
  return mapReply ? mapReply(reply) : reply;
}

function unsupported(name: string): BadRequestError {
  return new BadRequestError(`ERR command '${name}' is not supported by this endpoint`);
}
