import { createOAuthHandlers, type OAuthHandlers } from "@authkit/api";

import { getApp } from "~/server/app";

/**
 * Token revocation (RFC 7009) for hosts that run only Next. Under the custom server
 * (`pnpm start`) the node handler answers this path; both call `createOAuthHandlers`.
 */
export const dynamic = "force-dynamic";

let handlers: OAuthHandlers | undefined;

export async function POST(req: Request): Promise<Response> {
  handlers ??= createOAuthHandlers(await getApp());
  return handlers.revoke(req);
}
