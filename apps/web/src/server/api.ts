import "server-only";

import { createFetchApiHandler, customServerMark } from "@authkit/api";

import { getApp } from "./app";

/**
 * The whole HTTP API as one Fetch handler (tRPC, the form endpoints, OAuth2, JWKS), for the
 * route handlers, routed by the route table of @authkit/api. Built once per module instance: in
 * development a router edit reloads this module and the next request gets the new routers, over
 * the same App. Under the custom server it serves only the requests that server marked (the
 * rest answer 404: issue 23, finding 4); under `next start` alone, every request.
 */
let handler: ((request: Request) => Promise<Response>) | undefined;

export async function handleApi(request: Request): Promise<Response> {
  handler ??= createFetchApiHandler(await getApp(), { mark: customServerMark() });
  return handler(request);
}
