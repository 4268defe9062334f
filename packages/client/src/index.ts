/**
 * @acme/client: the browser side of authentication, framework-agnostic.
 *
 *   const tokens = createAuthClient();            // memory-only access token, cross-tab refresh
 *   const trpc = createTRPCClient<AppRouter>({ links: authLinks({ tokens, url: "/api/trpc" }) });
 *   await tokens.start();                         // silent refresh from the HttpOnly cookie
 */
export {
  AuthClient,
  createAuthClient,
  type AuthClientOptions,
  type VisibilitySource,
} from "./auth-client";
export {
  authLink,
  authLinks,
  bearerHeaders,
  ANONYMOUS_PATHS,
  type AuthLinkOptions,
  type AuthLinksOptions,
} from "./link";
export { isUnauthorized, errorCode } from "./errors";
export { refreshDelayMs, isUsable, MIN_USABLE_MS, MAX_REFRESH_LEAD_MS } from "./schedule";
export { withLock, type LockManagerLike } from "./lock";
export { parseTabMessage, type ChannelLike, type TabMessage } from "./channel";
export { createTrpcTransport } from "./transport";
export type { AuthState, AuthTransport, AuthUser, Session, SignOutReason } from "./types";
