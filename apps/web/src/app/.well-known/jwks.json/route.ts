import { createOAuthHandlers, type OAuthHandlers } from "@authkit/api";

import { getApp } from "~/server/app";

/**
 * The public verification keys (RFC 7517) for hosts that run only Next. Rendered per request
 * (never at build time: the keys come from the runtime environment); the response itself says
 * `Cache-Control: public, max-age=300` with an ETag, so verifiers and CDNs cache it.
 */
export const dynamic = "force-dynamic";

let handlers: OAuthHandlers | undefined;

export async function GET(req: Request): Promise<Response> {
  handlers ??= createOAuthHandlers(await getApp());
  return handlers.jwks(req);
}
