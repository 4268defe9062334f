/**
 * What the server sends, declared here in plain TypeScript rather than inferred from `AppRouter`:
 * the router's type reaches the whole server (its context holds the auth service and Prisma), and
 * a browser package must not compile against that. `test/server-types.ts` fails `pnpm typecheck`
 * the moment these and the router's outputs differ.
 */

/** The signed-in user, as `auth.login` and `auth.refresh` return it. */
export interface AuthUser {
  id: string;
  email: string;
  name: string | null;
  role: "user" | "admin";
}

/** The caller's own profile, as `user.me` returns it: the user and whether the email is verified. */
export interface AuthProfile extends AuthUser {
  emailVerified: boolean;
}

/** What `auth.login` and `auth.refresh` return: a fresh access token, its lifetime, the user. */
export interface Session {
  accessToken: string;
  tokenType: "Bearer";
  /** Seconds the access token lives, counted from when it arrives (never from the device clock). */
  expiresIn: number;
  user: AuthUser;
}

/** How a sign-in's second step can be completed (`auth.login`'s `methods`). */
export type SecondFactorMethod = "totp" | "passkey" | "recovery_code";

/** What `auth.login` answers: a session, or for an account with a second factor, a challenge. */
export type LoginAnswer =
  | {
      mfaRequired: false;
      accessToken: string;
      tokenType: "Bearer";
      expiresIn: number;
      user: AuthUser;
    }
  | { mfaRequired: true; challenge: string; methods: SecondFactorMethod[]; expiresIn: number };

/** Why the server ended (or shook) the session, as `session.events` says it. */
export type SessionEndCause =
  | "logout"
  | "logout_all"
  | "password_changed"
  | "password_reset"
  | "session_revoked"
  | "session_limit"
  | "role_changed"
  | "refresh_token_reused"
  | "user_disabled"
  | "revoked_by_admin"
  | "mfa_changed"
  | "token_version_changed"
  | "token_revoked"
  | "session_expired";

/** What the live `session.events` stream yields: `connected`, then `revoked` when the session dies. */
export type SessionEvent = { type: "connected" } | { type: "revoked"; reason: SessionEndCause };

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
