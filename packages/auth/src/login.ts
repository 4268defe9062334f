import { credentialUserSelect, normalizeEmail } from "@authkit/db";

import { now, type Core } from "./core";
import { AuthError, isAuthError, orUnavailable } from "./errors";
import { issueTokens, newRefreshToken, refreshExpiry } from "./issue";
import { sha256 } from "./random";
import { addressHit, hitOf } from "./rate-gate";
import { eventMeta, type Revocation } from "./revocation";
import type { RequestMeta, TokenPair } from "./types";

export interface LoginInput {
  email: string;
  password: string;
  /** The device cookie this browser holds for this account, if any (see ./device). */
  deviceToken?: string | null;
}

/** A signed-in session, and the device token to keep for this account. */
export type LoginResult = TokenPair & { deviceToken: string };

/** The key an account is counted and recognised under: its normalized email, hashed. */
export const accountKey = (email: string) => sha256(normalizeEmail(email));

/**
 * Password login. Limits are taken before the password is checked (so a burst cannot slip past
 * them): failures per address and per account, or per device cookie for a browser that signed
 * in to this account before; successes per account and per address, because argon2 work is
 * what they bound. The session is created only if the password hash is still the one verified:
 * a login racing a password change cannot survive it.
 */
export function createLogin(core: Core, revocation: Revocation) {
  const { limits, gate } = core;

  return async function login(input: LoginInput, meta: RequestMeta = {}): Promise<LoginResult> {
    const email = normalizeEmail(input.email);
    const account = sha256(email);
    const device = core.devices.verify(input.deviceToken, account);
    const failureHits = [
      addressHit(limits.loginIp, meta.clientIp),
      device ? hitOf(limits.loginDevice, device) : hitOf(limits.loginAccount, account),
    ];
    const successHits = [
      hitOf(limits.loginSuccessAccount, account),
      addressHit(limits.loginSuccessIp, meta.clientIp),
    ];
    const taken = await gate.take([...failureHits, ...successHits]).catch((error: unknown) => {
      if (isAuthError(error, "RATE_LIMITED"))
        core.events({ event: "login.rate_limited", ...eventMeta(meta) });
      throw error;
    });
    const failed = async (reason: string, userId?: string): Promise<never> => {
      await gate.giveBack(taken.filter((hit) => successHits.includes(hit)));
      core.events({
        event: "login.failed",
        reason,
        ...(userId ? { userId } : {}),
        ...eventMeta(meta),
      });
      throw new AuthError("INVALID_CREDENTIALS");
    };

    const user = await orUnavailable(() =>
      core.db.prisma.user.findUnique({ where: { email }, select: credentialUserSelect }),
    );
    if (!user) {
      // The same argon2 work as a wrong password, so timing does not tell who has an account.
      await core.passwords.verifyAgainstDummy(input.password);
      return failed("unknown_email");
    }
    const check = await core.passwords.verify(user.passwordHash, input.password);
    if (!check.ok) return failed("wrong_password", user.id);
    if (user.disabledAt) return failed("user_disabled", user.id);
    await gate.giveBack(taken.filter((hit) => failureHits.includes(hit)));
    if (core.settings.requireEmailVerification && !user.emailVerifiedAt) {
      // Said plainly (not the generic 401): the password was right, so nothing is revealed to
      // someone who did not know it, and the owner learns what to do.
      core.events({
        event: "login.failed",
        reason: "email_not_verified",
        userId: user.id,
        ...eventMeta(meta),
      });
      throw new AuthError("EMAIL_NOT_VERIFIED");
    }

    let passwordHash = user.passwordHash;
    if (check.needsRehash) {
      // Parameters changed since this hash was made: upgrade it while we hold the password.
      const upgraded = await core.passwords.hash(input.password);
      const { count } = await orUnavailable(() =>
        core.db.prisma.user.updateMany({
          where: { id: user.id, passwordHash },
          data: { passwordHash: upgraded },
        }),
      );
      if (count === 1) passwordHash = upgraded;
    }

    const sessionId = core.random.uuid();
    const refresh = newRefreshToken(core);
    const at = now(core);
    const expiresAt = refreshExpiry(core, at);
    // FOR SHARE waits for a concurrent password change to commit, then sees its new hash.
    const [row] = await orUnavailable(
      () =>
        core.db.prisma.$queryRaw<{ created: number; live: number }[]>`
        WITH owner AS (
          SELECT id FROM users
          WHERE id = ${user.id}::uuid AND password_hash = ${passwordHash} AND disabled_at IS NULL
          FOR SHARE
        ), created AS (
          INSERT INTO sessions (id, user_id, user_agent, created_at, last_used_at, expires_at)
          SELECT ${sessionId}::uuid, id, ${meta.userAgent?.slice(0, 512) ?? null}, ${at}, ${at}, ${expiresAt}
          FROM owner
          RETURNING id
        ), token AS (
          INSERT INTO refresh_tokens (id, token_hash, session_id, expires_at, created_at)
          SELECT ${refresh.id}::uuid, ${refresh.hash}, id, ${expiresAt}, ${at} FROM created
          RETURNING id
        )
        SELECT (SELECT count(*) FROM token)::int AS created,
          (SELECT count(*) FROM sessions WHERE user_id = ${user.id}::uuid AND revoked_at IS NULL
             AND expires_at > ${at})::int AS live`,
    );
    if (!row || row.created !== 1) return failed("password_changed", user.id);
    if (row.live + 1 > core.settings.maxSessionsPerUser)
      await evictOldest(user.id, sessionId, row.live + 1 - core.settings.maxSessionsPerUser);

    core.events({ event: "login.succeeded", userId: user.id, sessionId, ...eventMeta(meta) });
    const { id, name, role, tokenVersion } = user;
    const pair = await issueTokens(
      core,
      { id, email: user.email, name, role },
      tokenVersion,
      sessionId,
      refresh.raw,
    );
    return { ...pair, deviceToken: core.devices.issue(account) };
  };

  /** Past MAX_SESSIONS_PER_USER the least recently used sessions go first. */
  async function evictOldest(userId: string, keep: string, count: number): Promise<void> {
    const oldest = await orUnavailable(() =>
      core.db.prisma.session.findMany({
        where: { userId, revokedAt: null, expiresAt: { gt: now(core) }, id: { not: keep } },
        orderBy: [{ lastUsedAt: "asc" }, { createdAt: "asc" }],
        take: count,
        select: { id: true },
      }),
    );
    await revocation.sessions(userId, { ids: oldest.map((s) => s.id) }, "session_limit");
  }
}
