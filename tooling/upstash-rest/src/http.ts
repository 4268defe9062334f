/**
 * The HTTP side of the Upstash REST protocol: authentication, routing, body
 * parsing and JSON answers. Redis work is left to RedisExecutor.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  BadRequestError,
  isRedisError,
  parseCommand,
  parseCommandList,
  type Command,
  type RedisExecutor,
  type Settled,
} from "./commands";
import { encodeReply, errorMessage, type EncodeOptions, type ResultEntry } from "./reply";

/** Far above anything a test sends; only there so a runaway body cannot eat the memory. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

class PayloadTooLargeError extends Error {}

export interface HandlerOptions {
  token: string;
  executor: RedisExecutor;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestHandler({ token, executor }: HandlerOptions): RequestHandler {
  const isAuthorized = tokenChecker(token);
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only reached for failures outside a command (a broken socket, say).
      if (!res.headersSent) sendJson(res, 500, { error: errorMessage(error) });
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!isAuthorized(req, url)) {
      // Drain what the client sent, then answer, so keep-alive stays usable.
      req.resume();
      sendJson(res, 401, { error: "Unauthorized" });
      return;
    }
    if (req.method !== "POST" && req.method !== "GET") {
      req.resume();
      sendJson(res, 405, { error: "Method Not Allowed" });
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof PayloadTooLargeError)) throw error;
      sendJson(res, 413, { error: "Payload Too Large" });
      return;
    }

    const encode: EncodeOptions = {
      base64: String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64",
    };
    const path = url.pathname.replace(/\/+$/, "");
    try {
      switch (path) {
        case "":
          return await single(res, parseCommand(parseJson(body)), encode);
        case "/pipeline":
          return sendEntries(
            res,
            await executor.pipeline(parseCommandList(parseJson(body))),
            encode,
          );
        case "/multi-exec":
          return sendEntries(
            res,
            await executor.multiExec(parseCommandList(parseJson(body))),
            encode,
          );
        default:
          return await single(
            res,
            pathCommand(path, req.method === "POST" ? body : undefined),
            encode,
          );
      }
    } catch (error) {
      // A command error is the client's (400); anything else, e.g. redis being unreachable, is ours.
      sendJson(res, isRedisError(error) ? 400 : 500, { error: errorMessage(error) });
    }
  }

  async function single(
    res: ServerResponse,
    command: Command,
    encode: EncodeOptions,
  ): Promise<void> {
    const reply = await executor.run(command);
    sendJson(res, 200, { result: encodeReply(reply, encode) });
  }
}

/**
 * Accepts `Authorization: Bearer <token>` or, as Upstash also does, a `_token`
 * query parameter. Compares digests so neither timing nor length leaks the token.
 */
function tokenChecker(token: string): (req: IncomingMessage, url: URL) => boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  const expected = digest(token);
  return (req, url) => {
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer (.+)$/i.exec(header);
    const given = header === undefined ? url.searchParams.get("_token") : (match?.[1] ?? null);
    return given !== null && timingSafeEqual(digest(given), expected);
  };
}

/**
 * The path form `/set/key/value`: URL-decoded segments; a POST body, when
 * there is one, becomes the last argument (Upstash's way to send large values).
 */
function pathCommand(path: string, body: Buffer | undefined): Command {
  const parts = path
    .split("/")
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new BadRequestError("ERR malformed percent-encoding in the path");
      }
    });
  if (body !== undefined && body.length > 0) parts.push(body.toString("utf8"));
  return parseCommand(parts);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadRequestError("ERR request body is not valid JSON");
  }
}

function sendEntries(res: ServerResponse, settled: Settled[], encode: EncodeOptions): void {
  const entries: ResultEntry[] = settled.map((entry) =>
    entry.ok ? { result: encodeReply(entry.reply, encode) } : { error: entry.error },
  );
  sendJson(res, 200, entries);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
