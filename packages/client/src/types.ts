import type { inferRouterOutputs } from "@trpc/server";

import type { AppRouter } from "@authkit/api";

type Outputs = inferRouterOutputs<AppRouter>;

/** What `auth.login` and `auth.refresh` return: a fresh access token, its lifetime, the user. */
export type Session = Outputs["auth"]["refresh"];
export type AuthUser = Session["user"];

type SessionEventsOutput = Outputs["session"]["events"];

/** What the live `session.events` stream yields: `connected`, then `revoked` when the session dies. */
export type SessionEvent =
  SessionEventsOutput extends AsyncIterable<infer T, unknown, unknown> ? T : never;

/**
 * Why the server ended (or shook) the session, as `session.events` says it: `logout`,
 * `logout_all`, `password_changed`, `session_revoked`, `role_changed`, `refresh_token_reused`,
 * `session_expired`.
 */
export type SessionEndCause = Extract<SessionEvent, { type: "revoked" }>["reason"];

/**
 * Why the client is signed out:
 * - `logout`: someone pressed "log out" (here or in another tab);
 * - `ended`: the server refused to refresh (session expired or revoked elsewhere);
 * - `unreachable`: the server could not be asked at start-up;
 * - `null`: there was never a session in this page.
 */
export type SignOutReason = "logout" | "ended" | "unreachable" | null;

/** The part of the client's state a UI renders. Immutable; a new object on every change. */
export type AuthState =
  | { status: "loading"; user: null; reason: null }
  | { status: "signedIn"; user: AuthUser; reason: null }
  | {
      status: "signedOut";
      user: null;
      reason: SignOutReason;
      /** With `ended`: what the server said about it, when it said (live session events). */
      cause?: SessionEndCause;
    };

/** How the client talks to the server; replaceable in tests or for another mount path. */
export interface AuthTransport {
  /** Rotates the refresh cookie. Rejects with a tRPC `UNAUTHORIZED` error when there is no session. */
  refresh(): Promise<Session>;
  /** Revokes this session (cookie) and the given access token. */
  logout(accessToken: string | null): Promise<void>;
}
