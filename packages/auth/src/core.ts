import type { Database } from "@authkit/db";

import type { AccessTokens } from "./access-token";
import type { Background } from "./background";
import type { Clock } from "./clock";
import type { DeviceTokens } from "./device";
import type { AccountMailer } from "./mail";
import type { SecurityEventSink } from "./events";
import type { PasswordHasher } from "./password";
import type { Random } from "./random";
import type { RateGate, RateLimits } from "./rate-gate";
import type { RevocationBus } from "./revocation/bus";
import type { RevocationStore } from "./revocation/store";

export interface CoreSettings {
  refreshTokenTtlSeconds: number;
  /** A rotated refresh token presented again within this many seconds is a race, not theft. */
  refreshReuseGraceSeconds: number;
  maxSessionsPerUser: number;
  passwordResetTtlSeconds: number;
  emailVerificationTtlSeconds: number;
  /** Login refuses unverified emails (EMAIL_NOT_VERIFIED). */
  requireEmailVerification: boolean;
}

/**
 * Everything the core's modules share, passed in rather than imported, so tests swap a frozen
 * clock, seeded randomness or another store without touching the code that uses them.
 */
export interface Core {
  db: Pick<Database, "prisma">;
  clock: Clock;
  random: Random;
  tokens: AccessTokens;
  passwords: PasswordHasher;
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
  /** Work started by a request and not waited for (tokens for mails): see ./background. */
  background: Background;
  settings: CoreSettings;
}

export const now = (core: Pick<Core, "clock">): Date => new Date(core.clock.now());
