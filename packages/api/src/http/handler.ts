import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import type { App } from "../app";
import { appRouter } from "../root";
import { createInnerContext } from "../trpc";
import { createFormHandlers } from "./forms";
import { API_SECURITY_HEADERS } from "./headers";
import { createJwksHandler } from "./jwks";
import { responseHeaders } from "./meta";
import { createGrantHandlers } from "./oauth/grants";
import { ticketPreflight } from "./subscriptions";

export const TRPC_PATH = "/api/trpc";
export const OAUTH_TOKEN_PATH = "/api/auth/token";
export const OAUTH_REVOKE_PATH = "/api/auth/revoke";
export const JWKS_PATH = "/.well-known/jwks.json";

/** What a mount knows about a request besides the request itself. */
export interface ApiCall {
  /** Path and query, e.g. `/api/trpc/user.me?input=…`. */
  target: string;
  clientIp: string | null;
  requestId: string;
  /** Notes a failure for the access log line (name and code only). */
  onError: (error: unknown) => void;
}

/** Whether a request target belongs to the API rather than to the pages. */
export function isApiTarget(target: string): boolean {
  return (
    target.startsWith(TRPC_PATH) || target.startsWith("/api/auth/") || target.startsWith(JWKS_PATH)
  );
}

/** The path of a request target (`/a/b?x` → `/a/b`). */
export function pathnameOf(target: string): string {
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}

/**
 * The whole HTTP surface of the API as one Fetch handler, whichever server runs it: the custom
 * server and the standalone API server bridge node requests to it (./node), Next route handlers
 * call it directly (./fetch). Routing, limits, logging context and security headers are the
 * same in every deployment mode. Answers null for a path that is not the API's.
 */
export function createApiHandler(app: App) {
  const grants = createGrantHandlers({
    auth: app.auth,
    onError: (error) => app.logger.error({ err: summary(error) }, "oauth: unexpected error"),
  });
  const jwks = createJwksHandler(app.auth.keys);
  // The forms without JavaScript (POST /api/auth/login, /register, /forgot-password,
  // /reset-password, /verify-email).
  const forms = createFormHandlers(app);

  function trpc(request: Request, call: ApiCall): Promise<Response> {
    return fetchRequestHandler({
      endpoint: TRPC_PATH,
      req: request,
      router: appRouter,
      maxBatchSize: 20,
      createContext: ({ req }) =>
        createInnerContext({
          auth: app.auth,
          settings: app.settings,
          headers: req.headers,
          clientIp: call.clientIp,
          requestId: call.requestId,
        }),
      // The procedures' headers reach the response through `responseHeaders`, once.
      responseMeta: ({ ctx, errors }) => ({ headers: responseHeaders(ctx, errors) }),
      onError: ({ error }) => call.onError(error),
    });
  }

  async function route(request: Request, call: ApiCall): Promise<Response | null> {
    const pathname = pathnameOf(call.target);
    const meta = {
      userAgent: request.headers.get("user-agent"),
      clientIp: call.clientIp,
      requestId: call.requestId,
    };
    if (pathname === TRPC_PATH || pathname.startsWith(`${TRPC_PATH}/`)) {
      const refusal =
        request.method === "GET" ? await ticketPreflight(app, call.target, TRPC_PATH) : null;
      if (refusal)
        return new Response(refusal.body, { status: refusal.status, headers: refusal.headers });
      return trpc(request, call);
    }
    if (pathname === OAUTH_TOKEN_PATH) return grants.token(request, meta);
    if (pathname === OAUTH_REVOKE_PATH) return grants.revoke(request, meta);
    if (pathname === JWKS_PATH) return jwks(request);
    const form = forms.route(pathname);
    if (form) return form(request, meta, call.onError);
    return null;
  }

  return async function handleApi(request: Request, call: ApiCall): Promise<Response | null> {
    const response = await route(request, call);
    if (!response) return null;
    // API responses are JSON and event streams, never pages: nothing may render or frame them.
    for (const name in API_SECURITY_HEADERS)
      response.headers.set(name, API_SECURITY_HEADERS[name]!);
    return response;
  };
}

export type ApiHandler = ReturnType<typeof createApiHandler>;

/** Name and code of a failure, never its message (it may quote a request). */
function summary(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
