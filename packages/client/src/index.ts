/**
 * @authkit/client: the browser side of authentication, framework-agnostic.
 *
 *   const tokens = createAuthClient();            // memory-only access token, cross-tab refresh
 *   const trpc = createTRPCClient<AppRouter>({ links: authLinks({ tokens, url: "/api/trpc" }) });
 *   await tokens.start();                         // silent refresh from the HttpOnly cookie
 *   createSessionEvents({ tokens, client: trpc }); // signed out the moment the session is revoked
 *
 * Only what apps and the README use; the tests import the modules themselves.
 */
export { createAuthClient, type AuthClient } from "./auth-client";
export { authLinks } from "./link";
export { createSessionEvents, type LiveTransport, type SessionEvents } from "./session-events";
export { LiveSocketClosed, subscribeOverSocket, socketUrl } from "./socket";
export { createTicketedSubscription } from "./subscription";
export { errorCode } from "./errors";
export type {
  AuthProfile,
  AuthState,
  AuthUser,
  LoginAnswer,
  SecondFactorMethod,
  Session,
  SessionEndCause,
} from "./types";
