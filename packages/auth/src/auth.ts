/**
 * The auth core's public contract, read in one place: what apps, the API and tests may call.
 * `createAuth` (./create.ts) wires each entry to the named function that implements it.
 */
import type { Role } from "./access-token";
import type { ChangePasswordInput } from "./accounts/change-password";
import type { Profile } from "./accounts/profile";
import type { RegisterInput } from "./accounts/register";
import type { UserListQuery, UserPage } from "./admin/list-users";
import type { KeySet } from "./keys";
import type { AuthPasskeys } from "./passkeys/bind-passkeys";
import type { LiveSessions } from "./live";
import type { RateLimiter } from "./rate-limit/types";
import type { RevocationBus } from "./revocation/bus";
import type { RevocationStore } from "./revocation/store";
import type { FactorView } from "./mfa/factors";
import type { TotpEnrolment } from "./mfa/enrol-totp";
import type { FreshAccessToken, ReauthProof } from "./mfa/reauthenticate";
import type { SecondStepInput } from "./mfa/verify-mfa";
import type { LoginInput, LoginOutcome, LoginResult } from "./sessions/login";
import type { PublicUser } from "@authkit/db";
import type { Actor, Identity, RequestMeta, SessionView, TokenPair } from "./types";

export interface AuthSessions {
  /**
   * Password sign-in: limits, argon2id, then a session with its first token pair, or, for an
   * account with a second factor, a challenge for the second step (never both).
   */
  login(input: LoginInput, meta?: RequestMeta): Promise<LoginOutcome>;
  /** Refresh-token rotation (tRPC `auth.refresh`, the OAuth `refresh_token` grant). */
  refresh(refreshToken: string | null | undefined, meta?: RequestMeta): Promise<TokenPair>;
  /** Ends the session of whatever the caller holds (refresh cookie, bearer token, or both). */
  logout(
    held: { refreshToken?: string | null; accessToken?: string | null },
    meta?: RequestMeta,
  ): Promise<void>;
  /** Every session and access token of the caller's user dies, the caller's own included. */
  logoutAll(identity: Identity, meta?: RequestMeta): Promise<void>;
  /** RFC 7009 for an access token. */
  revokeAccessToken(accessToken: string, meta?: RequestMeta): Promise<void>;
  /** RFC 7009 for a refresh token: its whole session. */
  revokeRefreshToken(refreshToken: string, meta?: RequestMeta): Promise<void>;
  /** The caller's live sessions. */
  list(identity: Identity): Promise<SessionView[]>;
  /** Revokes one of the caller's own sessions (NOT_FOUND for anyone else's). */
  revokeOwn(identity: Identity, sessionId: string, meta?: RequestMeta): Promise<void>;
}

export interface AuthAccounts {
  register(input: RegisterInput, meta?: RequestMeta): Promise<PublicUser>;
  /** Start-up: the ADMIN_EMAIL account exists and is an admin. */
  ensureAdmin(admin: { email: string; password: string }): Promise<void>;
  changePassword(identity: Identity, input: ChangePasswordInput, meta?: RequestMeta): Promise<void>;
  /** The caller's own profile (`user.me`). */
  profile(identity: Identity): Promise<Profile>;
}

/** Password reset by a mailed link. */
export interface AuthRecovery {
  request(email: string, meta?: RequestMeta): Promise<void>;
  reset(input: { token: string; password: string }, meta?: RequestMeta): Promise<void>;
}

/** Email verification by a mailed link. */
export interface AuthVerification {
  resend(identity: Identity, meta?: RequestMeta): Promise<void>;
  resendByEmail(email: string, meta?: RequestMeta): Promise<void>;
  verify(token: string, meta?: RequestMeta): Promise<void>;
}

/** What admins do to other accounts; `actor` is the admin acting. */
export interface AuthAdmin {
  listUsers(query?: UserListQuery): Promise<UserPage>;
  setRole(actor: Actor, userId: string, role: Role, meta?: RequestMeta): Promise<void>;
  disableUser(actor: Actor, userId: string, meta?: RequestMeta): Promise<void>;
  enableUser(actor: Actor, userId: string, meta?: RequestMeta): Promise<void>;
  revokeSessions(actor: Actor, userId: string, meta?: RequestMeta): Promise<void>;
  /** Removes every second factor and recovery code of the user, and ends their sessions. */
  resetMfa(actor: Actor, userId: string, meta?: RequestMeta): Promise<void>;
}

/** Second factors (docs/mfa.md): enrolment, the sign-in's second step and step-up. */
export interface AuthMfa {
  /** Starts a TOTP enrolment: the key (shown once) and its otpauth URI. */
  beginTotp(identity: Identity, name?: string): Promise<TotpEnrolment>;
  /** Enables it after a correct code; the first factor also gets recovery codes. */
  confirmTotp(
    identity: Identity,
    input: { factorId: string; code: string },
    meta?: RequestMeta,
  ): Promise<{ recoveryCodes: string[] | null }>;
  /** A new set of recovery codes; the old set dies. */
  regenerateRecoveryCodes(identity: Identity): Promise<string[]>;
  factors(identity: Identity): Promise<FactorView[]>;
  remove(identity: Identity, factorId: string, meta?: RequestMeta): Promise<void>;
  /** A sign-in's second step: the session, exactly as a login without a factor gets it. */
  verify(input: SecondStepInput, meta?: RequestMeta): Promise<LoginResult>;
  /** Step-up for the current session: an access token with a fresh `auth_time`. */
  reauthenticate(
    identity: Identity,
    proof: ReauthProof,
    meta?: RequestMeta,
  ): Promise<FreshAccessToken>;
}

/** The auth core: one object per process, its parts grouped by what they act on. */
export interface Auth {
  /** Verifies an access token and checks revocation: the guard of every protected procedure. */
  authenticate(accessToken: string | null | undefined): Promise<Identity>;
  /**
   * REAUTHENTICATION_REQUIRED unless the caller proved who they are within `maxAgeSeconds`
   * (default REAUTH_MAX_AGE): the guard of `freshProcedure`.
   */
  assertFresh(identity: Pick<Identity, "token">, maxAgeSeconds?: number): void;
  /** MFA_REQUIRED_FOR: who must have signed in with a second factor. */
  mfaRequiredFor: "none" | "admin" | "all";
  sessions: AuthSessions;
  accounts: AuthAccounts;
  recovery: AuthRecovery;
  verification: AuthVerification;
  admin: AuthAdmin;
  mfa: AuthMfa;
  /** Passkeys (docs/passkeys.md): registration, passwordless sign-in, the second step. */
  passkeys: AuthPasskeys;
  /** Tickets and session watches for live subscriptions. */
  live: LiveSessions;
  keys: KeySet;
  /** Where protected requests check revocation: Redis with Upstash, else the database. */
  store: RevocationStore;
  /** Redis (sliding window) with Upstash, else the database (fixed window). */
  rateLimiter: RateLimiter;
  /** Carries revocations to the live streams of every instance. */
  bus: RevocationBus;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Deletes rows nothing can use any more: expired denylist entries, tickets, tokens, sessions. */
  prune(): Promise<void>;
  /** Resolves when the work requests left running (issuing mailed tokens) is done. */
  settled(): Promise<void>;
  close(): Promise<void>;
}
