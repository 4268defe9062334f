export { appRouter, createCaller, PUBLIC_PROCEDURES, type AppRouter } from "./root";
export { createInnerContext, type Context, type ApiSettings } from "./trpc";
export { createApp, type App, type CreateAppOptions } from "./app";
export { createNodeListener, type NodeListener, type NodeListenerOptions } from "./http/node";
export { createHttpServer } from "./http/http-server";
export { createFetchApiHandler, type FetchApiOptions } from "./http/fetch";
export {
  createCustomServerMark,
  customServerMark,
  provideCustomServerMark,
  type CustomServerMark,
} from "./http/custom-server-mark";
export {
  API_PATHS,
  findRoute,
  HTTP_ROUTES,
  isApiTarget,
  ROUTES,
  type HttpMethod,
  type HttpRoute,
  type RouteId,
  type RouteKind,
  type RouteResponse,
  type RouteSecurity,
} from "./http/routes";
export { normalizeTarget } from "./http/normalize-target";
export { JWKS_PATH, OAUTH_REVOKE_PATH, OAUTH_TOKEN_PATH, TRPC_PATH } from "./http/handler";
export { JWKS_MAX_AGE_SECONDS } from "./http/jwks";
export { OAUTH_MAX_BODY_BYTES } from "./http/oauth/form";
export { createLogger, type Logger } from "./http/log";
export { provideApp } from "./shared-app";
