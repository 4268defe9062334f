import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { revokeSessions, type RevocationDeps } from "../revocation/revoke";
import type { RequestMeta, TokenPair } from "../types";
import { issueTokens, newRefreshToken, refreshExpiry } from "./issue-tokens";
import type { ProvenPassword } from "./prove-password";

/** A signed-in session, and the device token to keep for this account. */
export type LoginResult = TokenPair & { deviceToken: string };

export type StartSessionDeps = RevocationDeps &
  Pick<Core, "random" | "devices"> & {
    settings: Pick<Core["settings"], "refreshTokenTtlSeconds" | "maxSessionsPerUser">;
  };

/**
 * Creates the session of an account whose password (and any second factor) was proven, in one
 * statement that re-reads the password hash it proved: a password change committed since makes
 * it create nothing (INVALID_CREDENTIALS, as for a wrong password).
 */
export async function startSession(
  deps: StartSessionDeps,
  { user, passwordHash, account, amr }: ProvenPassword,
  meta: RequestMeta,
): Promise<LoginResult> {
  const sessionId = deps.random.uuid();
  const refresh = newRefreshToken(deps);
  const authTime = now(deps);
  const session = { userId: user.id, passwordHash, sessionId, refresh, authTime, amr };
  const live = await insertSession(deps, session, meta);
  if (live === null) {
    deps.events({
      event: "login.failed",
      reason: "password_changed",
      userId: user.id,
      ...eventMeta(meta),
    });
    throw new AuthError("INVALID_CREDENTIALS");
  }
  const excess = live + 1 - deps.settings.maxSessionsPerUser;
  if (excess > 0) await evictOldest(deps, user.id, sessionId, excess);
  deps.events({ event: "login.succeeded", userId: user.id, sessionId, ...eventMeta(meta) });
  const { id, email, name, role, tokenVersion } = user;
  const pair = await issueTokens(
    deps,
    { id, email, name, role },
    tokenVersion,
    sessionId,
    refresh.raw,
    { authTime, amr },
  );
  return { ...pair, deviceToken: deps.devices.issue(account, user.credentialEpoch) };
}

interface NewSession {
  userId: string;
  passwordHash: string;
  sessionId: string;
  refresh: { id: string; hash: string };
  authTime: Date;
  amr: string[];
}

/**
 * Inserts the session and its first refresh token if the user still has `passwordHash` and is
 * enabled; answers the user's other live sessions, or null when nothing was created.
 */
async function insertSession(
  deps: Pick<Core, "db"> & { settings: Pick<Core["settings"], "refreshTokenTtlSeconds"> },
  { userId, passwordHash, sessionId, refresh, authTime: at, amr }: NewSession,
  meta: RequestMeta,
): Promise<number | null> {
  const expiresAt = refreshExpiry(deps, at);
  // FOR SHARE waits for a concurrent password change to commit, then sees its new hash.
  const [row] = await orUnavailable(
    () =>
      deps.db.prisma.$queryRaw<{ created: number; live: number }[]>`
      WITH owner AS (
        SELECT id FROM users
        WHERE id = ${userId}::uuid AND password_hash = ${passwordHash} AND disabled_at IS NULL
        FOR SHARE
      ), created AS (
        INSERT INTO sessions
          (id, user_id, user_agent, created_at, last_used_at, expires_at, auth_time, amr)
        SELECT ${sessionId}::uuid, id, ${meta.userAgent?.slice(0, 512) ?? null}, ${at}, ${at},
          ${expiresAt}, ${at}, ${amr}::text[]
        FROM owner
        RETURNING id
      ), token AS (
        INSERT INTO refresh_tokens (id, token_hash, session_id, expires_at, created_at)
        SELECT ${refresh.id}::uuid, ${refresh.hash}, id, ${expiresAt}, ${at} FROM created
        RETURNING id
      )
      SELECT (SELECT count(*) FROM token)::int AS created,
        (SELECT count(*) FROM sessions WHERE user_id = ${userId}::uuid AND revoked_at IS NULL
           AND expires_at > ${at})::int AS live`,
  );
  return row?.created === 1 ? row.live : null;
}

/** Past MAX_SESSIONS_PER_USER the least recently used sessions go first. */
async function evictOldest(
  deps: RevocationDeps,
  userId: string,
  keep: string,
  count: number,
): Promise<void> {
  const oldest = await orUnavailable(() =>
    deps.db.prisma.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: now(deps) }, id: { not: keep } },
      orderBy: [{ lastUsedAt: "asc" }, { createdAt: "asc" }],
      take: count,
      select: { id: true },
    }),
  );
  await revokeSessions(deps, userId, { ids: oldest.map((s) => s.id) }, "session_limit");
}
