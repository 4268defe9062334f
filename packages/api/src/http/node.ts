import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";

import type { App } from "../app";
import { createClientAddress } from "./client-ip";
import { createApiHandler, isApiTarget } from "./handler";
import { noteRequestError, trackRequest } from "./log";

/** tRPC inputs are small; OAuth forms have their own, smaller bound. */
const MAX_BODY_BYTES = 1024 * 1024;

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The request listener of a node server (the custom server, the standalone API server, the
 * tests): one access-log line per request, the API's paths through the API handler (the node
 * request becomes one Fetch `Request`, its headers built once), everything else to `fallback`
 * (Next, or a 404). With `serveApi: false` (`pnpm dev`) the API's paths go to `fallback` too,
 * and the route handlers that answer them write their log lines.
 */
export function createNodeListener(
  app: App,
  fallback: NodeListener,
  { serveApi = true } = {},
): NodeListener {
  const handleApi = createApiHandler(app);
  const clientAddress = createClientAddress(app.config.trustProxy);
  return (req, res) => {
    const target = req.url ?? "/";
    const api = isApiTarget(target);
    if (api && !serveApi) return fallback(req, res);
    const requestId = trackRequest(app.logger, req, res);
    if (!api) return fallback(req, res);
    let request: Request;
    try {
      request = incomingMessageToRequest(req, res, { maxBodySize: MAX_BODY_BYTES });
    } catch {
      // Only a request Node accepted but Fetch cannot represent (e.g. a bad Host header).
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"bad_request"}');
      return;
    }
    const forwardedFor = req.headers["x-forwarded-for"];
    const call = {
      target,
      clientIp: clientAddress(
        req.socket.remoteAddress,
        Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor,
      ),
      requestId,
      onError: (error: unknown) => noteRequestError(req, error),
    };
    handleApi(request, call)
      .then((response) => (response ? writeResponse(res, response) : fallback(req, res)))
      .catch((error: unknown) => {
        noteRequestError(req, error);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  };
}

/** Writes a Fetch `Response` to a node response: each `Set-Cookie` its own header, streams streamed. */
export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
  } else if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
    // A live stream: flows until either side ends it; a closed socket cancels the stream.
    res.flushHeaders();
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream), res).catch(
      () => undefined,
    );
  } else {
    res.end(Buffer.from(await response.arrayBuffer()));
  }
}
