/**
 * Turns raw Redis replies (as ioredis hands them over with `callBuffer`) into
 * the JSON values the Upstash REST API answers with.
 */

/** A reply as ioredis returns it in buffer mode (RESP2). */
export type RawReply = Buffer | string | number | null | undefined | Error | RawReply[];

export type JsonReply = string | number | null | JsonReply[];

/** One entry of a /pipeline or /multi-exec answer, and the body of a single-command answer. */
export type ResultEntry = { result: JsonReply } | { error: string };

export interface EncodeOptions {
  /** The request carried `Upstash-Encoding: base64`. */
  base64: boolean;
}

/**
 * Encodes the reply of one command.
 *
 * With base64 on, every string is base64-encoded, at any depth, so binary
 * values survive JSON. Numbers and nil stay as they are. The one exception is a
 * top-level "OK", which Upstash sends as plain text: @upstash/redis keeps a
 * top-level "OK" as is and base64-decodes every other string (nested ones
 * included, where a plain "OK" would decode to garbage, so those are encoded).
 * Redis status replies and bulk strings arrive as the same Buffer type from
 * ioredis, which is fine: "OK" and base64("OK") both decode to "OK".
 */
export function encodeReply(reply: RawReply, options: EncodeOptions): JsonReply {
  if (options.base64 && isOk(reply)) return "OK";
  return encodeValue(reply, options.base64);
}

function encodeValue(reply: RawReply, base64: boolean): JsonReply {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => encodeValue(item, base64));
  // An error nested in an array (e.g. a Lua table holding redis.error_reply)
  // has no JSON form of its own in the protocol; send its message as a string.
  const bytes = reply instanceof Error ? Buffer.from(reply.message) : Buffer.from(reply);
  return base64 ? bytes.toString("base64") : bytes.toString("utf8");
}

function isOk(reply: RawReply): boolean {
  if (typeof reply === "string") return reply === "OK";
  return Buffer.isBuffer(reply) && reply.length === 2 && reply.toString("latin1") === "OK";
}

/** Message of a failed command, as Redis worded it (e.g. "NOSCRIPT No matching script..."). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
