export { appRouter, createCaller, PUBLIC_PROCEDURES, type AppRouter } from "./root";
export { createInnerContext, type Context, type ApiSettings } from "./trpc";
export { createApp, type App, type CreateAppOptions } from "./app";
export { createNodeApiHandler, TRPC_PATH } from "./http/node";
export { createFetchApiHandler } from "./http/fetch";
export { createLogger, trackRequest, type Logger } from "./http/log";
export {
  createOAuthHandlers,
  createOAuthNodeHandler,
  JWKS_MAX_AGE_SECONDS,
  JWKS_PATH,
  OAUTH_MAX_BODY_BYTES,
  OAUTH_REVOKE_PATH,
  OAUTH_TOKEN_PATH,
  type OAuthDeps,
  type OAuthHandler,
  type OAuthHandlers,
} from "./http/oauth";
