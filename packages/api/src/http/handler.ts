import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import type { App } from "../app";
import { appRouter } from "../root";
import { createInnerContext } from "../trpc";
import { createFormHandlers } from "./forms";
import { API_SECURITY_HEADERS, applyCachePolicy } from "./headers";
import { createJwksHandler } from "./jwks";
import { responseHeaders } from "./meta";
import { normalizedPathname } from "./normalize-target";
import { createGrantHandlers } from "./oauth/grants";
import { createOpenApiHandlers } from "../openapi/openapi-handlers";
import { createProbeHandlers } from "./probes";
import { methodNotAllowed } from "./oauth/form";
import { findRoute, TRPC_PATH, type ApiCall, type HttpMethod, type RouteHandlers } from "./routes";
import { ticketPreflight } from "./subscriptions";

export {
  API_PATHS,
  isApiTarget,
  JWKS_PATH,
  OAUTH_REVOKE_PATH,
  OAUTH_TOKEN_PATH,
  TRPC_PATH,
  type ApiCall,
} from "./routes";

/** The path of a request target (`/a/b?x` → `/a/b`), as sent. */
export function pathnameOf(target: string): string {
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}

/** The tRPC endpoint: a subscription's ticket checked first (./subscriptions), then tRPC. */
function createTrpcHandler(app: App): RouteHandlers["trpc"] {
  return async function trpc(request: Request, call: ApiCall): Promise<Response> {
    const refusal =
      request.method === "GET" ? await ticketPreflight(app, call.target, TRPC_PATH) : null;
    if (refusal)
      return new Response(refusal.body, { status: refusal.status, headers: refusal.headers });
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
  };
}

/**
 * The whole HTTP surface of the API as one Fetch handler, whichever server runs it: the custom
 * server and the standalone API server bridge node requests to it (./node), Next route handlers
 * call it directly (./fetch). Routing, limits, logging context and security headers are the
 * same in every deployment mode. Answers null for a path that is not the API's.
 */
export function createApiHandler(
  app: App,
  {
    securityHeaders = true,
  }: {
    /** false: the caller writes API_SECURITY_HEADERS and the cache policy itself (./node). */
    securityHeaders?: boolean;
  } = {},
) {
  const handlers: RouteHandlers = {
    trpc: createTrpcHandler(app),
    grants: createGrantHandlers({
      auth: app.auth,
      onError: (error) => app.logger.error({ err: summary(error) }, "oauth: unexpected error"),
    }),
    jwks: createJwksHandler(app.auth.keys),
    // The forms without JavaScript (POST /api/auth/login, /register, /forgot-password…).
    forms: createFormHandlers(app),
    // Liveness, readiness and metrics (./probes).
    probes: createProbeHandlers(app),
    // The OpenAPI document and the reference page (../openapi).
    openapi: createOpenApiHandlers(app.settings),
  };

  /** Routes by the table (./routes), on the normalised path the mount passes as `target`. */
  async function route(request: Request, call: ApiCall): Promise<Response | null> {
    const pathname = normalizedPathname(call.target);
    const entry = pathname === null ? undefined : findRoute(pathname);
    if (!entry?.handler) return null;
    // The table's methods are the route's (tRPC answers its own): anything else is 405.
    if (entry.kind === "http" && !entry.methods.includes(request.method as HttpMethod)) {
      return methodNotAllowed(entry.methods.join(", "));
    }
    const meta = {
      userAgent: request.headers.get("user-agent"),
      clientIp: call.clientIp,
      requestId: call.requestId,
    };
    return entry.handler(handlers, request, { ...call, meta });
  }

  return async function handleApi(request: Request, call: ApiCall): Promise<Response | null> {
    const response = await route(request, call);
    if (!response || !securityHeaders) return response;
    // API responses are JSON and event streams, never pages: nothing may render or frame them.
    // The one page of the API (/api/docs) brings its own, narrower-than-a-page CSP.
    for (const name in API_SECURITY_HEADERS) {
      if (name === "content-security-policy" && response.headers.has(name)) continue;
      response.headers.set(name, API_SECURITY_HEADERS[name]!);
    }
    applyCachePolicy(response.headers);
    return response;
  };
}

export type ApiHandler = ReturnType<typeof createApiHandler>;

/** Name and code of a failure, never its message (it may quote a request). */
function summary(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
