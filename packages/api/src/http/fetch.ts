import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import type { App } from "../app";
import { appRouter } from "../root";
import { createInnerContext } from "../trpc";
import { responseHeaders } from "./meta";
import { TRPC_PATH } from "./node";

/**
 * The same API for hosts that run only Next (route handlers, serverless): slower per request
 * (Next's route-handler overhead), identical behaviour.
 */
export function createFetchApiHandler(app: App) {
  return function handleApiFetch(req: Request): Promise<Response> {
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
          clientIp: app.config.trustProxy
            ? request.headers.get("x-forwarded-for")?.split(",")[0]?.trim()
            : undefined,
        }),
      responseMeta: ({ ctx, errors }) => ({ headers: responseHeaders(ctx, errors) }),
    });
  };
}
