import { createOAuthHandlers, type OAuthHandlers } from "@authkit/api";

import { getApp } from "~/server/app";

/**
 * OAuth2 token endpoint (RFC 6749) for hosts that run only Next. Under the custom server
 * (`pnpm start`) the node handler answers this path before Next sees it; both call the same
 * `createOAuthHandlers` code. Other methods get Next's 405.
 */
export const dynamic = "force-dynamic";

let handlers: OAuthHandlers | undefined;

export async function POST(req: Request): Promise<Response> {
  handlers ??= createOAuthHandlers(await getApp());
  return handlers.token(req);
}
