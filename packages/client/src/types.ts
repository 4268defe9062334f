import type { inferRouterOutputs } from "@trpc/server";

import type { AppRouter } from "@acme/api";

type Outputs = inferRouterOutputs<AppRouter>;

/** What `auth.login` and `auth.refresh` return: a fresh access token, its lifetime, the user. */
export type Session = Outputs["auth"]["refresh"];
export type AuthUser = Session["user"];

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
  | { status: "signedOut"; user: null; reason: SignOutReason };

/** How the client talks to the server; replaceable in tests or for another mount path. */
export interface AuthTransport {
  /** Rotates the refresh cookie. Rejects with a tRPC `UNAUTHORIZED` error when there is no session. */
  refresh(): Promise<Session>;
  /** Revokes this session (cookie) and the given access token. */
  logout(accessToken: string | null): Promise<void>;
}
