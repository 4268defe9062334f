import type { WebAuthnSettings } from "@authkit/config";
import type { Database } from "@authkit/db";

import type { AccessTokens } from "./access-token";
import type { AccountMailer, NoticeMailer } from "./account-mailer";
import type { Background } from "./background";
import type { BreachedPasswordCheck } from "./breached-passwords";
import type { Clock } from "./clock";
import type { DeviceTokens } from "./device";
import type { SecurityEventSink } from "./events";
import type { PasswordHasher } from "./password";
import type { SecretBox } from "./mfa/secret-box";
import type { Random } from "./random";
import type { RateGate, RateLimits } from "./rate-limit/gate";
import type { RevocationBus } from "./revocation/bus";
import type { RevocationStore } from "./revocation/store";
import type { StreamCaps } from "./session-watchers";

export interface CoreSettings {
  refreshTokenTtlSeconds: number;
  /** A rotated refresh token presented again within this many seconds is a race, not theft. */
  refreshReuseGraceSeconds: number;
  maxSessionsPerUser: number;
  passwordResetTtlSeconds: number;
  emailVerificationTtlSeconds: number;
  /** Login refuses unverified emails (EMAIL_NOT_VERIFIED). */
  requireEmailVerification: boolean;
  /** MFA_REQUIRED_FOR: who must have signed in with a second factor. */
  mfaRequiredFor: "none" | "admin" | "all";
  /** REAUTH_MAX_AGE: how recent `auth_time` must be for `freshProcedure`. */
  reauthMaxAgeSeconds: number;
  /** WEBAUTHN_*: the passkeys' relying party (RP ID, name, origins). */
  webauthn: WebAuthnSettings;
  /** The issuer authenticator apps show beside a TOTP account (MFA_TOTP_ISSUER). */
  totpIssuer: string;
  /** LIVE_MAX_CONNECTIONS_PER_SESSION / _PER_USER: open live streams on this instance. */
  liveStreamCaps: StreamCaps;
  /** How often a watched session re-reads the database (./session-watchers). */
  liveRecheckMs: number;
}

/**
 * Every dependency the core's functions draw from, built once by `createAuth` (./create.ts).
 * No function takes all of it: each names the slice it uses as its first parameter
 * (`deps: Pick<Core, "db" | "clock">`), so a reader and a test see the real coupling, and a test
 * swaps a frozen clock, seeded randomness or another store for the real one.
 */
export interface Core {
  db: Pick<Database, "prisma">;
  clock: Clock;
  random: Random;
  tokens: AccessTokens;
  passwords: PasswordHasher;
  /** PASSWORD_BREACH_CHECK=hibp: new passwords are looked up (password-policy.ts). */
  breaches: BreachedPasswordCheck | undefined;
  /** Where protected requests check revocation (Redis or the database). */
  store: RevocationStore;
  /** The database's own answer, for tokens this process has not seen before. */
  authority: RevocationStore;
  bus: RevocationBus;
  limits: RateLimits;
  gate: RateGate;
  devices: DeviceTokens;
  events: SecurityEventSink;
  /** Where reset and verification mails go (the app's mailer); it returns at once. */
  mail: AccountMailer;
  /** Where notices go (a factor added or removed, a recovery code used); it returns at once. */
  notify: NoticeMailer;
  /** Encrypts TOTP secrets at rest (MFA_ENCRYPTION_KEY): ./mfa/secret-box. */
  secrets: SecretBox;
  /** Work started by a request and not waited for (tokens for mails): see ./background. */
  background: Background;
  settings: CoreSettings;
}

/** The current time of the injected clock, as a Date (what the database columns take). */
export const now = (deps: Pick<Core, "clock">): Date => new Date(deps.clock.now());
