/**
 * The one place the core is wired: dependencies are built from config, then each entry of the
 * `Auth` contract (./auth.ts) is bound to the named function that implements it. Functions
 * receive the whole `Core` here, typed as the narrow slice each declares.
 */
import type { Config } from "@authkit/config";
import type { Database } from "@authkit/db";

import { AccessTokens } from "./access-token";
import {
  discardMail,
  discardNotices,
  type AccountMailer,
  type NoticeMailer,
} from "./account-mailer";
import { changePassword } from "./accounts/change-password";
import { ensureAdmin } from "./accounts/ensure-admin";
import {
  clearProfiles,
  createProfileCache,
  createProfileLookup,
  readProfile,
  type ProfileCache,
} from "./accounts/profile";
import { register } from "./accounts/register";
import { disableUser, enableUser } from "./admin/disable-user";
import { listUsers } from "./admin/list-users";
import { resetMfa } from "./admin/reset-mfa";
import { revokeUserSessions } from "./admin/revoke-user-sessions";
import { setRole } from "./admin/set-role";
import type { Auth, AuthMfa } from "./auth";
import { authenticate } from "./authenticate";
import { createBackends, type Backends } from "./backends";
import { createBackground } from "./background";
import { rangeApiCheck } from "./breached-passwords";
import { systemClock, type Clock } from "./clock";
import { now, type Core, type CoreSettings } from "./core";
import { createDeviceTokens } from "./device";
import { discardEvents, type SecurityEventSink } from "./events";
import { loadKeySet, type KeySet } from "./keys";
import { LiveSessions, RECHECK_MS } from "./live";
import { PasswordHasher } from "./password";
import { cryptoRandom, type Random } from "./random";
import { createRateGate, rateLimitsFromConfig } from "./rate-limit/gate";
import type { RateLimiter } from "./rate-limit/types";
import { requestPasswordReset, resetPassword } from "./recovery/password-reset";
import {
  resendVerification,
  resendVerificationByEmail,
  verifyEmail,
} from "./recovery/verify-email";
import { currentRevocations } from "./revocation/revoke";
import type { RevocationStore } from "./revocation/store";
import { assertFresh } from "./mfa/assert-fresh";
import { bindPasskeys } from "./passkeys/bind-passkeys";
import { beginTotpEnrolment, confirmTotpEnrolment } from "./mfa/enrol-totp";
import { listFactors, regenerateRecoveryCodes, removeFactor } from "./mfa/factors";
import { reauthenticate } from "./mfa/reauthenticate";
import { verifyMfa } from "./mfa/verify-mfa";
import { createSecretBox, encryptionKeyFrom, type SecretBox } from "./mfa/secret-box";
import { login } from "./sessions/login";
import { logout, logoutAll } from "./sessions/logout";
import { listOwnSessions, revokeOwnSession } from "./sessions/own-sessions";
import { revokeAccessToken, revokeRefreshToken } from "./sessions/revoke-token";
import { createRefreshExchange } from "./sessions/refresh-exchange";
import { rotateRefreshToken } from "./sessions/rotate-refresh-token";

export type { Auth } from "./auth";

export interface CreateAuthOptions {
  config: Pick<
    Config,
    | "auth"
    | "upstash"
    | "redis"
    | "database"
    | "rateLimit"
    | "accountTokens"
    | "requireEmailVerification"
    | "mfa"
    | "live"
    | "passwordBreachCheck"
    | "webauthn"
  >;
  db: Pick<Database, "prisma">;
  clock?: Clock;
  random?: Random;
  passwords?: PasswordHasher;
  /** Where security events go (the API logs them); dropped by default. */
  events?: SecurityEventSink;
  /** Where reset and verification mails go (the API's mailer); dropped by default. */
  mail?: AccountMailer;
  /** Where notices go (a factor added or removed, a recovery code used); dropped by default. */
  notify?: NoticeMailer;
  /** Override the store chosen from config (tests). */
  store?: RevocationStore;
  /** Override the rate limiter chosen from config (tests). */
  rateLimiter?: RateLimiter;
  /**
   * Only this process can write `db` (the embedded data directory, locked to it): revocations
   * and rate-limit counters are served from memory and written through (./backends).
   */
  ownsDatabase?: boolean;
  /** How often a watched live session re-reads the database (default 15 s; tests shorten it). */
  liveRecheckMs?: number;
}

/** Wires the core from config: keys imported once, the stores picked by ./backends. */
export async function createAuth(options: CreateAuthOptions): Promise<Auth> {
  const { config, db, clock = systemClock, random = cryptoRandom } = options;
  const keys = await loadKeySet(config.auth);
  const tokens = new AccessTokens({
    keys,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtl,
    clockToleranceSeconds: config.auth.clockTolerance,
    clock,
  });
  const events = options.events ?? discardEvents;
  const { ownsDatabase } = options;
  const loadRevocations = () => currentRevocations({ db, clock, tokens });
  const chosen = await createBackends({ db, clock, events, loadRevocations, ownsDatabase }, config);
  // Tests hand in a store or limiter of their own; the chosen ones still close with the core.
  const backends = {
    ...chosen,
    store: options.store ?? chosen.store,
    limiter: options.rateLimiter ?? chosen.limiter,
  };
  // The dummy hash is made now, not on the first unknown-email login (which would then take
  // twice as long as a wrong password and tell that the email has no account).
  const passwords = options.passwords ?? new PasswordHasher();
  void passwords.warmUp().catch(() => undefined);
  const core: Core = {
    db,
    clock,
    random,
    tokens,
    passwords,
    store: backends.store,
    authority: backends.authority,
    bus: backends.bus,
    breaches:
      config.passwordBreachCheck &&
      rangeApiCheck({
        url: config.passwordBreachCheck.url,
        timeoutMs: config.passwordBreachCheck.timeoutSeconds * 1000,
      }),
    limits: rateLimitsFromConfig(config.rateLimit),
    gate: createRateGate(backends.limiter),
    devices: createDeviceTokens(keys.deriveSecret("device-cookie"), {
      random,
      clock,
      maxAgeSeconds: config.auth.deviceCookieMaxAge,
    }),
    events,
    mail: options.mail ?? discardMail,
    notify: options.notify ?? discardNotices,
    secrets: mfaSecretBox(config.mfa, keys, random),
    background: createBackground(() =>
      // The only background work is a mailed token: its failure means no mail left.
      events({ event: "mail.failed", reason: "token_not_stored" }),
    ),
    settings: coreSettings(options),
  };
  return bindAuth(core, { keys, backends, profiles: createProfileCache() });
}

/**
 * MFA_ENCRYPTION_KEY seals, MFA_PREVIOUS_ENCRYPTION_KEYS open; the key derived from the signing
 * key always opens too, so setting MFA_ENCRYPTION_KEY later loses nothing (docs/mfa.md).
 */
function mfaSecretBox(
  mfa: CreateAuthOptions["config"]["mfa"],
  keys: KeySet,
  random: Random,
): SecretBox {
  const derived = keys.deriveSecret("mfa-secret-box");
  const configured = [mfa.encryptionKey, ...mfa.previousEncryptionKeys].flatMap((key) =>
    key ? [encryptionKeyFrom(key)] : [],
  );
  return createSecretBox(random, [...configured, derived]);
}

/** The plain settings the core's functions read, from config. */
function coreSettings({ config, liveRecheckMs }: CreateAuthOptions): CoreSettings {
  return {
    refreshTokenTtlSeconds: config.auth.refreshTokenTtl,
    refreshReuseGraceSeconds: config.auth.refreshReuseGrace,
    maxSessionsPerUser: config.auth.maxSessionsPerUser,
    passwordResetTtlSeconds: config.accountTokens.passwordResetTtl,
    emailVerificationTtlSeconds: config.accountTokens.emailVerificationTtl,
    requireEmailVerification: config.requireEmailVerification,
    mfaRequiredFor: config.mfa.requiredFor,
    reauthMaxAgeSeconds: config.mfa.reauthMaxAge,
    webauthn: config.webauthn,
    totpIssuer: config.mfa.totpIssuer,
    liveStreamCaps: {
      perSession: config.live.maxConnectionsPerSession,
      perUser: config.live.maxConnectionsPerUser,
    },
    liveRecheckMs: liveRecheckMs ?? RECHECK_MS,
  };
}

/** Binds every entry of the `Auth` contract to its function, over this core. */
function bindAuth(
  core: Core,
  { keys, backends, profiles }: { keys: KeySet; backends: Backends; profiles: ProfileCache },
): Auth {
  const { limiter } = backends;
  const lookup = createProfileLookup(core.db);
  const profileDeps = { lookup, profiles, cacheUnverified: backends.ownsDatabase };
  // Both may verify an email, which no token version records: cached profiles go.
  const cleared = (done: Promise<void>) => done.finally(() => clearProfiles(profiles));
  const rotation = { ...core, exchange: createRefreshExchange(core) };
  return {
    authenticate: (token) => authenticate(core, token),
    assertFresh: (identity, maxAgeSeconds) => assertFresh(core, identity, maxAgeSeconds),
    mfaRequiredFor: core.settings.mfaRequiredFor,
    sessions: {
      login: (input, meta) => login(core, input, meta),
      refresh: (token, meta) => rotateRefreshToken(rotation, token, meta),
      logout: (held, meta) => logout(core, held, meta),
      logoutAll: (identity, meta) => logoutAll(core, identity, meta),
      revokeAccessToken: (token, meta) => revokeAccessToken(core, token, meta),
      revokeRefreshToken: (token, meta) => revokeRefreshToken(core, token, meta),
      list: (identity) => listOwnSessions(core, identity),
      revokeOwn: (identity, sessionId, meta) => revokeOwnSession(core, identity, sessionId, meta),
    },
    accounts: {
      register: (input, meta) => register(core, input, meta),
      ensureAdmin: (admin) => ensureAdmin(core, admin),
      changePassword: (identity, input, meta) => changePassword(core, identity, input, meta),
      profile: (identity) => readProfile(profileDeps, identity),
    },
    recovery: {
      request: (email, meta) => requestPasswordReset(core, email, meta),
      reset: (input, meta) => cleared(resetPassword(core, input, meta)),
    },
    verification: {
      resend: (identity, meta) => resendVerification(core, identity, meta),
      resendByEmail: (email, meta) => resendVerificationByEmail(core, email, meta),
      verify: (token, meta) => cleared(verifyEmail(core, token, meta)),
    },
    admin: bindAdmin(core),
    passkeys: bindPasskeys(core),
    mfa: bindMfa(core),
    live: new LiveSessions(core),
    keys,
    store: core.store,
    rateLimiter: limiter,
    bus: core.bus,
    accessTokenTtlSeconds: core.tokens.ttlSeconds,
    refreshTokenTtlSeconds: core.settings.refreshTokenTtlSeconds,
    prune: () => prune(core, limiter),
    settled: () => core.background.settled(),
    close: async () => {
      await core.background.settled();
      await core.store.close?.();
      await backends.close();
    },
  };
}

/** The admin entries of the contract. */
function bindAdmin(core: Core): Auth["admin"] {
  return {
    listUsers: (query) => listUsers(core, query),
    setRole: (actor, userId, role, meta) => setRole(core, actor, userId, role, meta),
    disableUser: (actor, userId, meta) => disableUser(core, actor, userId, meta),
    enableUser: (actor, userId, meta) => enableUser(core, actor, userId, meta),
    revokeSessions: (actor, userId, meta) => revokeUserSessions(core, actor, userId, meta),
    resetMfa: (actor, userId, meta) => resetMfa(core, actor, userId, meta),
  };
}

/** The second-factor entries of the contract. */
function bindMfa(core: Core): AuthMfa {
  return {
    beginTotp: (identity, name) => beginTotpEnrolment(core, identity, name),
    confirmTotp: (identity, input, meta) => confirmTotpEnrolment(core, identity, input, meta),
    regenerateRecoveryCodes: (identity) => regenerateRecoveryCodes(core, identity),
    factors: (identity) => listFactors(core, identity),
    remove: (identity, factorId, meta) => removeFactor(core, identity, factorId, meta),
    verify: (input, meta) => verifyMfa(core, input, meta),
    reauthenticate: (identity, proof, meta) => reauthenticate(core, identity, proof, meta),
  };
}

/** Deletes rows nothing can use any more: expired denylist entries, tickets, tokens, sessions. */
async function prune(deps: Pick<Core, "db" | "clock">, limiter: RateLimiter): Promise<void> {
  const { prisma } = deps.db;
  const at = now(deps);
  // A day's grace: a session that just expired still shows up in a user's history briefly.
  const staleSessions = new Date(at.getTime() - 24 * 3600 * 1000);
  await prisma.revokedAccessToken.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.sessionTicket.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.refreshToken.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.accountToken.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.loginChallenge.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.webAuthnChallenge.deleteMany({ where: { expiresAt: { lt: at } } });
  await prisma.session.deleteMany({ where: { expiresAt: { lt: staleSessions } } });
  await limiter.prune?.();
}
