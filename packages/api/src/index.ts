export { appRouter, createCaller, PUBLIC_PROCEDURES, type AppRouter } from "./root";
export { createInnerContext, type Context, type ApiSettings } from "./trpc";
export { createApp, type App, type CreateAppOptions } from "./app";
export { createNodeApiHandler, TRPC_PATH } from "./http/node";
export { createFetchApiHandler } from "./http/fetch";
