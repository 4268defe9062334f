import type { App } from "../app";
import { createClientAddress } from "./client-ip";
import { createApiHandler } from "./handler";
import { logFetchRequest } from "./log";

/**
 * The API for hosts that run only Next (route handlers, serverless): the same handler as the
 * node servers, behind Next's route-handler overhead. A route handler cannot see its socket, so
 * the client address comes from `X-Forwarded-For` as TRUST_PROXY allows, or is unknown.
 */
export function createFetchApiHandler(app: App) {
  const handleApi = createApiHandler(app);
  const clientAddress = createClientAddress(app.config.trustProxy);
  return function handleApiFetch(request: Request): Promise<Response> {
    return logFetchRequest(app.logger, request, async (requestId, onError) => {
      const url = new URL(request.url);
      const response = await handleApi(request, {
        target: url.pathname + url.search,
        clientIp: clientAddress(undefined, request.headers.get("x-forwarded-for")),
        requestId,
        onError,
      });
      return response ?? new Response('{"error":"not_found"}', { status: 404 });
    });
  };
}
