import { Redis } from "@upstash/redis";

import type { Config } from "@authkit/config";
import type { Database } from "@authkit/db";

import { AccessTokens } from "./access-token";
import { createBackground } from "./background";
import { createAccountTokens } from "./account-tokens";
import { createAccounts } from "./accounts";
import { createAdmin } from "./admin";
import { createAuthenticate } from "./authenticate";
import { systemClock, type Clock } from "./clock";
import { now, type Core } from "./core";
import { createDeviceTokens } from "./device";
import { discardEvents, type SecurityEventSink } from "./events";
import { loadKeySet, type KeySet } from "./keys";
import { LiveSessions } from "./live";
import { createLogin } from "./login";
import { discardMail, type AccountMailer } from "./mail";
import { PasswordHasher } from "./password";
import { cryptoRandom, type Random } from "./random";
import { createRateGate, rateLimitsFromConfig } from "./rate-gate";
import { DatabaseRateLimiter } from "./rate-limit/database";
import type { RateLimiter } from "./rate-limit/types";
import { UpstashRateLimiter } from "./rate-limit/upstash";
import { createRecovery } from "./recovery";
import { createRevocation } from "./revocation";
import { LocalRevocationBus, PostgresRevocationBus, type RevocationBus } from "./revocation/bus";
import { DatabaseRevocationStore } from "./revocation/database";
import type { RevocationStore } from "./revocation/store";
import { UpstashRevocationStore } from "./revocation/upstash";
import { createRotation } from "./rotation";
import { createSessions } from "./sessions";
import { createVerification } from "./verification";

export interface CreateAuthOptions {
  config: Pick<
    Config,
    "auth" | "upstash" | "database" | "rateLimit" | "accountTokens" | "requireEmailVerification"
  >;
  db: Pick<Database, "prisma">;
  clock?: Clock;
  random?: Random;
  passwords?: PasswordHasher;
  /** Where security events go (the API logs them); dropped by default. */
  events?: SecurityEventSink;
  /** Where reset and verification mails go (the API's mailer); dropped by default. */
  mail?: AccountMailer;
  /** Override the store chosen from config (tests). */
  store?: RevocationStore;
  /** Override the rate limiter chosen from config (tests). */
  rateLimiter?: RateLimiter;
}

/** The auth core: one object per process, its parts grouped by what they act on. */
export interface Auth {
  /** Verifies an access token and checks revocation: the guard of every protected procedure. */
  authenticate: ReturnType<typeof createAuthenticate>;
  sessions: ReturnType<typeof createSessions> & {
    login: ReturnType<typeof createLogin>;
    /** Refresh-token rotation (tRPC `auth.refresh`, the OAuth `refresh_token` grant). */
    refresh: ReturnType<typeof createRotation>;
  };
  accounts: ReturnType<typeof createAccounts>;
  /** Password reset by a mailed link. */
  recovery: ReturnType<typeof createRecovery>;
  /** Email verification by a mailed link. */
  verification: ReturnType<typeof createVerification>;
  admin: ReturnType<typeof createAdmin>;
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

/** Wires the core from config: keys imported once, the stores picked by `UPSTASH_REDIS_REST_URL`. */
export async function createAuth({
  config,
  db,
  clock = systemClock,
  random = cryptoRandom,
  passwords,
  events = discardEvents,
  mail = discardMail,
  store,
  rateLimiter,
}: CreateAuthOptions): Promise<Auth> {
  const keys = await loadKeySet(config.auth);
  const redis = config.upstash
    ? new Redis({
        url: config.upstash.url,
        token: config.upstash.token,
        enableTelemetry: false,
        retry: false,
      })
    : undefined;
  const tokens = new AccessTokens({
    keys,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtl,
    clockToleranceSeconds: config.auth.clockTolerance,
    clock,
  });
  const authority = new DatabaseRevocationStore(db);
  const revocationStore: RevocationStore =
    store ??
    (redis
      ? new UpstashRevocationStore(redis, {
          clock,
          accessTokenTtlSeconds: config.auth.accessTokenTtl,
          clockToleranceSeconds: config.auth.clockTolerance,
          authority,
          loadRevocations: () => revocation.current(),
          onStateChange: (state) => events({ event: `revocation_store.${state}` }),
        })
      : authority);
  const limiter =
    rateLimiter ?? (redis ? new UpstashRateLimiter(redis) : new DatabaseRateLimiter(db, clock));
  // Streams on other instances hear revocations through the database they already share.
  const bus: RevocationBus =
    "url" in config.database
      ? new PostgresRevocationBus(config.database.url)
      : new LocalRevocationBus();
  if (bus instanceof PostgresRevocationBus) await bus.start();
  // The dummy hash is made now, not on the first unknown-email login (which would then take
  // twice as long as a wrong password and tell that the email has no account).
  const hasher = passwords ?? new PasswordHasher();
  void hasher.warmUp().catch(() => undefined);

  const core: Core = {
    db,
    clock,
    random,
    tokens,
    passwords: hasher,
    store: revocationStore,
    authority,
    bus,
    limits: rateLimitsFromConfig(config.rateLimit),
    gate: createRateGate(limiter),
    devices: createDeviceTokens(keys.deriveSecret("device-cookie"), random),
    events,
    mail,
    background: createBackground(() =>
      // The only background work is a mailed token: its failure means no mail left.
      events({ event: "mail.failed", reason: "token_not_stored" }),
    ),
    settings: {
      refreshTokenTtlSeconds: config.auth.refreshTokenTtl,
      refreshReuseGraceSeconds: config.auth.refreshReuseGrace,
      maxSessionsPerUser: config.auth.maxSessionsPerUser,
      passwordResetTtlSeconds: config.accountTokens.passwordResetTtl,
      emailVerificationTtlSeconds: config.accountTokens.emailVerificationTtl,
      requireEmailVerification: config.requireEmailVerification,
    },
  };
  const revocation = createRevocation(core);
  const accountTokens = createAccountTokens(core);
  const verification = createVerification(core, accountTokens);

  return {
    authenticate: createAuthenticate(core),
    sessions: {
      ...createSessions(core, revocation),
      login: createLogin(core, revocation),
      refresh: createRotation(core, revocation),
    },
    accounts: createAccounts(core, revocation, verification),
    recovery: createRecovery(core, revocation, accountTokens),
    verification,
    admin: createAdmin(core, revocation),
    live: new LiveSessions({ db, bus, clock, random, gate: core.gate, limits: core.limits }),
    keys,
    store: revocationStore,
    rateLimiter: limiter,
    bus,
    accessTokenTtlSeconds: config.auth.accessTokenTtl,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtl,
    prune: () => prune(core, limiter),
    settled: () => core.background.settled(),
    close: async () => {
      await core.background.settled();
      await revocationStore.close?.();
      await bus.close();
    },
  };
}

async function prune(core: Core, limiter: RateLimiter): Promise<void> {
  const { prisma } = core.db;
  const at = now(core);
  // A day's grace: a session that just expired still shows up in a user's history briefly.
  const staleSessions = new Date(at.getTime() - 24 * 3600 * 1000);
  await prisma.revokedAccessToken.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.sessionTicket.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.refreshToken.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.accountToken.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.session.deleteMany({ where: { expiresAt: { lt: staleSessions } } });
  await limiter.prune?.();
}
