/**
 * @authkit/client: the browser side of authentication, framework-agnostic.
 *
 *   const tokens = createAuthClient();            // memory-only access token, cross-tab refresh
 *   const trpc = createTRPCClient<AppRouter>({ links: authLinks({ tokens, url: "/api/trpc" }) });
 *   await tokens.start();                         // silent refresh from the HttpOnly cookie
 *   createSessionEvents({ tokens, client: trpc }); // signed out the moment the session is revoked
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
  oneShotEventSource,
  ANONYMOUS_PATHS,
  type EventSourceConstructor,
  type AuthLinkOptions,
  type AuthLinksOptions,
} from "./link";
export { isUnauthorized, errorCode } from "./errors";
export { refreshDelayMs, isUsable, MIN_USABLE_MS, MAX_REFRESH_LEAD_MS } from "./schedule";
export { withLock, type LockManagerLike } from "./lock";
export {
  parseTabMessage,
  isSessionEndCause,
  SESSION_END_CAUSES,
  type ChannelLike,
  type TabMessage,
} from "./channel";
export { createTrpcTransport } from "./transport";
export type {
  AuthState,
  AuthTransport,
  AuthUser,
  Session,
  SessionEndCause,
  SessionEvent,
  SignOutReason,
} from "./types";
export {
  createTicketedSubscription,
  reconnectDelayMs,
  DEFAULT_BACKOFF,
  type AfterEnd,
  type BackoffOptions,
  type SubscriptionEnd,
  type SubscriptionHandlers,
  type TicketedSubscription,
  type TicketedSubscriptionOptions,
  type TicketedSubscriptionStatus,
} from "./subscription";
export {
  createSessionEvents,
  revocationAction,
  type SessionEvents,
  type SessionEventsClient,
  type SessionEventsOptions,
  type SessionEventsStatus,
} from "./session-events";
