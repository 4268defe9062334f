import type { App } from "../app";
import { createClientAddress } from "./client-ip";
import { readMark, type CustomServerMark } from "./custom-server-mark";
import { createApiHandler } from "./handler";
import { logFetchRequest } from "./log";
import { normalizeTarget } from "./normalize-target";

const NOT_FOUND = '{"error":"not_found"}';

export interface FetchApiOptions {
  /**
   * The custom server's mark, when one runs in front (./custom-server-mark): then only the
   * requests it handed over are served, with the client address it derived from the socket;
   * anything else answers 404. Absent: Next runs alone and serves every request.
   */
  mark?: CustomServerMark;
}

/**
 * The API for Next's route handlers: hosts that run only Next (serverless, `next start`), and
 * `pnpm dev` behind the custom server. The same handler as the node servers, behind Next's
 * route-handler overhead. Running alone, a route handler cannot see its socket, so the client
 * address comes from `X-Forwarded-For` as TRUST_PROXY allows, or is unknown.
 */
export function createFetchApiHandler(app: App, { mark }: FetchApiOptions = {}) {
  const handleApi = createApiHandler(app);
  const clientAddress = createClientAddress(app.config.trustProxy, "next-only");
  return function handleApiFetch(request: Request): Promise<Response> {
    return logFetchRequest(app.logger, request, async (requestId, onError) => {
      const url = new URL(request.url);
      const target = normalizeTarget(url.pathname + url.search);
      const marked = mark ? readMark(mark, request.headers) : undefined;
      if (target === null || (mark && !marked)) return notFound();
      const clientIp = marked
        ? marked.clientIp
        : clientAddress(undefined, request.headers.get("x-forwarded-for"));
      // tRPC reads its procedure from the request's URL: give it the spelling routed on.
      const routed =
        target === url.pathname + url.search ? request : new Request(url.origin + target, request);
      const response = await handleApi(routed, { target, clientIp, requestId, onError });
      return response ?? notFound();
    });
  };
}

function notFound(): Response {
  return new Response(NOT_FOUND, {
    status: 404,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}
