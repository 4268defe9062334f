import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import type { App } from "../app";
import { appRouter } from "../root";
import { createInnerContext } from "../trpc";
import { logFetchRequest } from "./log";
import { responseHeaders } from "./meta";
import { createFormHandlers } from "./forms";
import { firstForwardedFor, TRPC_PATH } from "./node";
import { createOAuthHandlers } from "./oauth";
import { ticketPreflight } from "./subscriptions";

/**
 * The same API for hosts that run only Next (route handlers, serverless): slower per request
 * (Next's route-handler overhead), identical behaviour.
 */
export function createFetchApiHandler(app: App) {
  const oauth = createOAuthHandlers(app);
  const forms = createFormHandlers(app);
  const forwardedIp = (request: Request) =>
    app.config.trustProxy ? firstForwardedFor(request.headers.get("x-forwarded-for")) : undefined;
  return function handleApiFetch(req: Request): Promise<Response> {
    return logFetchRequest(app.logger, req, (_id, onError) => route(req, onError));
  };

  function route(req: Request, onError: (error: unknown) => void): Promise<Response> {
    // The OAuth2 and JWKS paths too, so one fetch handler can serve the whole HTTP surface.
    const url = new URL(req.url);
    const standard = oauth.route(url.pathname);
    if (standard) return standard(req, { clientIp: forwardedIp(req) });
    const form = forms.route(url.pathname);
    if (form) return form(req, { clientIp: forwardedIp(req), onError });
    const preflight =
      req.method === "GET" ? ticketPreflight(app, url.pathname + url.search, TRPC_PATH) : null;
    if (preflight) {
      return preflight.then((refusal) =>
        refusal
          ? new Response(refusal.body, { status: refusal.status, headers: refusal.headers })
          : trpc(req, onError),
      );
    }
    return trpc(req, onError);
  }

  function trpc(req: Request, onError: (error: unknown) => void): Promise<Response> {
    return fetchRequestHandler({
      endpoint: TRPC_PATH,
      req,
      router: appRouter,
      maxBatchSize: 20,
      // The procedures' headers reach the response through `responseHeaders`, once.
      createContext: ({ req: request }) =>
        createInnerContext({
          auth: app.auth.service,
          settings: app.settings,
          headers: request.headers,
          clientIp: forwardedIp(request),
        }),
      responseMeta: ({ ctx, errors }) => ({ headers: responseHeaders(ctx, errors) }),
      onError: ({ error }) => onError(error),
    });
  }
}
