import "server-only";

import { createFetchApiHandler } from "@authkit/api";

import { getApp } from "./app";

let handler: ((req: Request) => Promise<Response>) | undefined;

/**
 * The API for hosts that run only Next (`pnpm start:next`, serverless): every API route hands
 * its request to the handler the custom server uses, so routing, limits and access logs are
 * the same in both modes.
 */
export async function handleApiRequest(req: Request): Promise<Response> {
  handler ??= createFetchApiHandler(await getApp());
  return handler(req);
}
