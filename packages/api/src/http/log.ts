/**
 * Structured request logs: one JSON line per request with its id, method, path (never the query
 * string: tRPC GET inputs and OAuth redirects carry data there), status and duration. Bodies and
 * headers are never logged; `redact` is a second line of defence for anything that passes a
 * request, headers or credentials to the logger by mistake.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { pino, type DestinationStream, type Level, type Logger } from "pino";

export type { Logger } from "pino";

/** Paths pino censors wherever they appear (up to two levels deep for the wildcards). */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-api-key']",
  "res.headers['set-cookie']",
  "headers.authorization",
  "headers.cookie",
  "headers['set-cookie']",
  "authorization",
  "cookie",
  "password",
  "passwordHash",
  "accessToken",
  "refreshToken",
  "access_token",
  "refresh_token",
  "token",
  "secret",
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.passwordHash",
  "*.accessToken",
  "*.refreshToken",
  "*.access_token",
  "*.refresh_token",
  "*.token",
  "*.ticket",
  "*.secret",
  "*.authorization",
  "*.cookie",
];

export interface LoggerOptions {
  level: Level | "silent";
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger({ level, destination = stdout() }: LoggerOptions): Logger {
  const logger = pino(
    { level, redact: { paths: REDACT_PATHS, censor: "[redacted]" } },
    destination,
  );
  // The per-request line is built from fixed, safe fields only (below), so it skips the redact
  // pass: on the hot path that pass cost ~5 % of a health request's CPU (BENCHMARKS.md).
  accessLoggers.set(logger, pino({ level }, destination));
  return logger;
}

const accessLoggers = new WeakMap<Logger, Logger>();

/** The process's one standard-output destination, shared by every logger (tests run several). */
let standardOutput: DestinationStream | undefined;

/**
 * Standard output, written asynchronously: a synchronous write is one system call per request
 * on the event loop (BENCHMARKS.md, per-layer table). Lines that arrive while a write is under
 * way go out together with the next one; nothing waits for a buffer to fill, so an idle server's
 * lines appear at once. What is still buffered when the process exits is flushed then: one exit
 * listener for the process, however many apps it starts.
 */
function stdout(): DestinationStream {
  standardOutput ??= openStandardOutput();
  return standardOutput;
}

function openStandardOutput(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false });
  process.once("exit", () => {
    try {
      destination.flushSync();
    } catch {
      // Standard output is gone: nowhere left to write.
    }
  });
  return destination;
}

/** A client's `x-request-id` is kept if it is short and plain (no log injection); otherwise a new UUID. */
const REQUEST_ID = /^[\w.:@+=/-]{1,128}$/;

export function requestIdFrom(header: string | string[] | null | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

/** The path of a request target, without query string or fragment, capped in length. */
export function pathOf(url: string | undefined): string {
  const target = url ?? "/";
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  return path.length > 512 ? `${path.slice(0, 512)}…` : path;
}

/**
 * What is safe to say about a failure: error names and short upper-case codes, never messages.
 * An auth failure's `reason` (TOKEN_EXPIRED, TOKEN_REVOKED…) is kept: the client gets the same
 * 401 for every cause, and the log is where an operator finds the real one.
 */
export function errorSummary(error: unknown): { code?: string; reason?: string; causes: string[] } {
  const causes: string[] = [];
  let code: string | undefined;
  let reason: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const own = safeCode((current as { code?: unknown }).code);
    reason ??= safeCode((current as { reason?: unknown }).reason);
    if (depth === 0) code = own;
    causes.push(own && depth > 0 ? `${current.name}:${own}` : current.name);
    current = current.cause;
  }
  return { ...(code ? { code } : {}), ...(reason ? { reason } : {}), causes };
}

const safeCode = (value: unknown): string | undefined =>
  typeof value === "string" && /^[A-Z0-9_]{1,48}$/.test(value) ? value : undefined;

interface Tracked {
  id: string;
  error?: ReturnType<typeof errorSummary>;
}

const tracked = new WeakMap<IncomingMessage, Tracked>();

/**
 * Starts the log line of a node request: sets `x-request-id` on the response and writes one
 * line when the response is finished (or the client went away). Idempotent, so an outer server
 * (apps/web) and the API handler inside it can both call it and the request is logged once.
 */
export function trackRequest(logger: Logger, req: IncomingMessage, res: ServerResponse): string {
  const existing = tracked.get(req);
  if (existing) return existing.id;
  const entry: Tracked = { id: requestIdFrom(req.headers["x-request-id"]) };
  tracked.set(req, entry);
  if (!res.headersSent) res.setHeader("x-request-id", entry.id);
  const started = process.hrtime.bigint();
  const finish = (aborted: boolean) => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const status = aborted && !res.headersSent ? 499 : res.statusCode;
    const line = {
      reqId: entry.id,
      method: req.method,
      path: pathOf(req.url),
      status,
      ms: Math.round(ms * 100) / 100,
      ...(aborted ? { aborted: true } : {}),
      ...(entry.error ? { error: entry.error } : {}),
    };
    const access = accessLoggers.get(logger) ?? logger;
    if (status >= 500) access.error(line, "request");
    else access.info(line, "request");
  };
  // One listener: a response emits `close` after `finish`, or alone when the client left first.
  res.once("close", () => finish(!res.writableFinished));
  return entry.id;
}

/** Attaches a failure's name and code (never its message) to the request's log line. */
export function noteRequestError(req: IncomingMessage, error: unknown): void {
  const entry = tracked.get(req);
  if (entry && !entry.error) entry.error = errorSummary(error);
}

/** The same line for a Fetch-style handler (Next route handlers). */
export async function logFetchRequest(
  logger: Logger,
  request: Request,
  handle: (requestId: string, onError: (error: unknown) => void) => Promise<Response>,
): Promise<Response> {
  const id = requestIdFrom(request.headers.get("x-request-id"));
  const started = process.hrtime.bigint();
  let error: ReturnType<typeof errorSummary> | undefined;
  const onError = (e: unknown) => {
    error ??= errorSummary(e);
  };
  let response: Response;
  try {
    response = await handle(id, onError);
  } catch (thrown) {
    onError(thrown);
    logger.error(
      {
        reqId: id,
        method: request.method,
        path: pathOf(new URL(request.url).pathname),
        status: 500,
        error,
      },
      "request",
    );
    throw thrown;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const line = {
    reqId: id,
    method: request.method,
    path: pathOf(new URL(request.url).pathname),
    status: response.status,
    ms: Math.round(ms * 100) / 100,
    ...(error ? { error } : {}),
  };
  if (response.status >= 500) logger.error(line, "request");
  else logger.info(line, "request");
  try {
    response.headers.set("x-request-id", id);
    return response;
  } catch {
    // Immutable headers (a fetched Response): copy once.
    const headers = new Headers(response.headers);
    headers.set("x-request-id", id);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}

/** What the access log says about one WebSocket connection, from upgrade to close. */
export interface ConnectionLogLine {
  reqId: string;
  path: string;
  /** 101 for an accepted upgrade, else the HTTP status it was refused with (429, 503). */
  status: number;
  /** The close code (1000 normal, 1008 refused or revoked, 1013 over a cap…); absent if refused. */
  close?: number;
  ms: number;
  error?: ReturnType<typeof errorSummary>;
}

/** One line per WebSocket, written when it closes: fixed, safe fields only, like `request`. */
export function logConnection(logger: Logger, line: ConnectionLogLine): void {
  const access = accessLoggers.get(logger) ?? logger;
  access.info({ ...line, method: "GET", transport: "websocket" }, "websocket");
}
