import { createFetchApiHandler } from "@authkit/api";

import { getApp } from "~/server/app";

/**
 * The route-handler mount, for hosts that run only Next (`pnpm start:next`, serverless).
 * Under the custom server (`pnpm start`) /api/trpc never reaches this file.
 */
let handler: ((req: Request) => Promise<Response>) | undefined;

async function handle(req: Request): Promise<Response> {
  handler ??= createFetchApiHandler(await getApp());
  return handler(req);
}

export { handle as GET, handle as POST };
