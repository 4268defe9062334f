import "server-only";

import { createFetchApiHandler } from "@authkit/api";

import { getApp } from "./app";

/**
 * The whole HTTP API as one Fetch handler (tRPC, the form endpoints, OAuth2, JWKS), for the
 * route handlers. Built once per module instance: in development a router edit reloads this
 * module and the next request gets the new routers, over the same App.
 */
let handler: ((request: Request) => Promise<Response>) | undefined;

export async function handleApi(request: Request): Promise<Response> {
  handler ??= createFetchApiHandler(await getApp());
  return handler(request);
}
