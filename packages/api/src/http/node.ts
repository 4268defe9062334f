import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";

import type { App } from "../app";
import { routeLabel } from "../metrics/route-label";
import { createClientAddress } from "./client-ip";
import { markRequest, stripMark, type CustomServerMark } from "./custom-server-mark";
import { answerDirectCall, directCallOf, type DirectAnswer, type DirectCall } from "./direct-call";
import { createApiHandler } from "./handler";
import { API_SECURITY_HEADER_ENTRIES, cachePolicy } from "./headers";
import { noteRequestError, trackRequest } from "./log";
import { normalizeTarget } from "./normalize-target";
import { API_PATHS, isApiTarget, TRPC_PATH } from "./routes";
import { mayOpenStream } from "./subscriptions";

/** tRPC inputs are small; OAuth forms have their own, smaller bound. */
const MAX_BODY_BYTES = 1024 * 1024;

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface NodeListenerOptions {
  /** False (`pnpm dev`): the API's paths go to `fallback` too, marked (./custom-server-mark). */
  serveApi?: boolean;
  /**
   * The custom server's mark: set on the API requests handed to Next, stripped from every
   * request that arrives. Without it (the standalone API server, tests) nothing is marked.
   */
  mark?: CustomServerMark;
  /** False: single calls take tRPC's Fetch adapter too (the tests compare both ways). */
  directCalls?: boolean;
}

/**
 * The request listener of a node server (the custom server, the standalone API server, the
 * tests): one access-log line per request, the API's paths through the API handler (the node
 * request becomes one Fetch `Request`, its headers built once), everything else to `fallback`
 * (Next, or a 404). With `serveApi: false` (`pnpm dev`) the API's paths go to `fallback` too,
 * marked with the client address from the socket, and the route handlers that answer them
 * write their log lines. Every decision is made on the normalised target (./normalize-target).
 */
export function createNodeListener(
  app: App,
  fallback: NodeListener,
  { serveApi = true, mark, directCalls = true }: NodeListenerOptions = {},
): NodeListener {
  // Security headers and the cache policy are written with the response (writeResponse).
  const handleApi = createApiHandler(app, { securityHeaders: false });
  const onStream = (stream: ServerResponse) => app.inFlight.stream(stream);
  const clientAddress = createClientAddress(app.config.trustProxy, "socket");
  const clientIpOf = (req: IncomingMessage) => {
    const forwardedFor = req.headers["x-forwarded-for"];
    const joined = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
    return clientAddress(req.socket.remoteAddress, joined);
  };
  return (req, res) => {
    if (mark) stripMark(req.headers);
    const normalized = normalizeTarget(req.url ?? "/");
    const api = normalized !== null && isApiTarget(normalized);
    // Every handler behind this point sees the one spelling it routes on (`//api/trpc` would
    // otherwise parse as a URL with the host `api`).
    if (api) req.url = normalized;
    if (api && !serveApi) {
      if (mark) markRequest(mark, req.headers, clientIpOf(req));
      return fallback(req, res);
    }
    const target = req.url ?? "/";
    const requestId = trackRequest(app.logger, req, res);
    countRequest(app, req, res, target);
    if (!api) return fallback(req, res);
    const direct = directCalls
      ? directCallOf(req.method, target, req.headers, MAX_BODY_BYTES)
      : null;
    if (direct)
      return void answerDirectly(app, req, res, direct, { requestId, clientIp: clientIpOf(req) });
    let request: Request;
    try {
      request = toFetchRequest(req, res, target);
    } catch {
      // Only a request Node accepted but Fetch cannot represent (e.g. a bad Host header).
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"bad_request"}');
      return;
    }
    const call = {
      target,
      clientIp: clientIpOf(req),
      requestId,
      onError: (error: unknown) => noteRequestError(req, error),
    };
    handleApi(request, call)
      .then((response) =>
        response ? writeResponse(res, response, onStream, true) : fallback(req, res),
      )
      .catch((error: unknown) => {
        noteRequestError(req, error);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  };
}

/** A single call (./direct-call): the answer written from the node request, no Fetch objects. */
async function answerDirectly(
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  direct: DirectCall,
  { requestId, clientIp }: { requestId: string; clientIp: string | null },
): Promise<void> {
  try {
    // A mutation's body (of declared length, at most MAX_BODY_BYTES: ./direct-call takes no
    // other), decoded as Fetch's `text()` decodes it: UTF-8, a byte-order mark dropped.
    const rawInput = direct.type === "query" ? direct.rawInput : await text(req);
    const answer = await answerDirectCall(app, direct, rawInput, {
      headers: fetchHeaders(req.headers),
      clientIp,
      requestId,
      onError: (error) => noteRequestError(req, error),
    });
    writeAnswer(res, answer);
  } catch (error) {
    noteRequestError(req, error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
}

/** A direct call's answer, with the API's security headers and cache policy, in one write. */
function writeAnswer(res: ServerResponse, answer: DirectAnswer): void {
  res.writeHead(answer.status, nodeHeaders(answer.headers, true)).end(answer.body);
}

/** In flight until answered (graceful shutdown), then counted for /api/metrics. */
function countRequest(
  app: Pick<App, "inFlight" | "metrics">,
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
): void {
  const started = process.hrtime.bigint();
  app.inFlight.track(req, res);
  res.once("close", () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // A client that went away before the answer: 499, as nginx logs it.
    const status = res.writableFinished ? res.statusCode : 499;
    app.metrics.request(routeLabel(target, API_PATHS), req.method ?? "GET", status, seconds);
  });
}

/**
 * The Fetch `Request` the API handler reads. A GET that cannot open a live stream gets no abort
 * signal (nothing of it outlives its answer), which spares the AbortController, its listeners
 * and the Request's finalizer on the hot path (BENCHMARKS.md, per-layer table); everything else
 * is tRPC's own conversion (body with its size cap, a signal that fires when the client leaves).
 */
function toFetchRequest(req: IncomingMessage, res: ServerResponse, target: string): Request {
  if ((req.method !== "GET" && req.method !== "HEAD") || mayOpenStream(target, TRPC_PATH))
    return incomingMessageToRequest(req, res, { maxBodySize: MAX_BODY_BYTES });
  const headers = fetchHeaders(req.headers);
  const encrypted = "encrypted" in req.socket && req.socket.encrypted === true;
  const origin = `${encrypted ? "https" : "http"}://${req.headers.host ?? "localhost"}`;
  return new Request(new URL(target, origin), { method: req.method, headers });
}

/** A node request's headers as a Fetch `Headers`, every repeated value kept. */
function fetchHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const name in incoming) {
    const value = incoming[name];
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

/**
 * A Fetch `Headers` as the one object `writeHead` takes: each `Set-Cookie` its own header. With
 * `apiHeaders`, the API's security headers and cache policy (./headers) are added here.
 */
function nodeHeaders(source: Headers, apiHeaders: boolean): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  source.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = source.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (apiHeaders) {
    // The one page of the API (/api/docs) brings its own, narrower-than-a-page CSP.
    for (const [name, value] of API_SECURITY_HEADER_ENTRIES)
      if (name !== "content-security-policy" || !(name in headers)) headers[name] = value;
    const contentType = headers["content-type"] as string | undefined;
    const policy = cachePolicy(headers["cache-control"] as string | undefined, contentType);
    if (policy) headers["cache-control"] = policy;
  }
  return headers;
}

/**
 * Writes a Fetch `Response` to a node response: each `Set-Cookie` its own header, streams
 * streamed. With `apiHeaders`, the API's security headers and cache policy (./headers) are
 * written here, in the one header object, rather than set on the `Response` first.
 */
export async function writeResponse(
  res: ServerResponse,
  response: Response,
  onStream?: (res: ServerResponse) => void,
  apiHeaders = false,
): Promise<void> {
  const headers = nodeHeaders(response.headers, apiHeaders);
  const contentType = headers["content-type"] as string | undefined;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
  } else if (contentType?.startsWith("text/event-stream")) {
    // A live stream: flows until either side ends it; a closed socket cancels the stream.
    res.flushHeaders();
    onStream?.(res);
    // `pipeline` attaches about eight `close` listeners of its own to a node response; with
    // ours (in flight, metrics, access log, the abort signal) a stream holds 12, a fixed number
    // per response, so Node's leak warning at 11 would be noise in every operator's log.
    res.setMaxListeners(20);
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream), res).catch(
      () => undefined,
    );
  } else {
    res.end(Buffer.from(await response.arrayBuffer()));
  }
}
