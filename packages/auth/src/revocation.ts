import type { AccessTokenClaims } from "./access-token";
import { now, type Core } from "./core";
import { orUnavailable } from "./errors";
import type { SecurityEventName } from "./events";
import type { Revocations } from "./revocation/store";
import type { RequestMeta, RevocationEvent, StoredRevocationReason } from "./types";

/** Which sessions of a user to revoke: some by id, or all of them but (maybe) the caller's. */
export type SessionScope = { ids: string[] } | { allExcept: string | null };

/** How long a revocation must stay in the fast store: the life of any token it could concern. */
const mirrorWindowMs = (core: Core) =>
  (core.tokens.ttlSeconds + core.tokens.leewaySeconds + 60) * 1000;

/**
 * The one way anything gets revoked. The database is written first (it is the truth), then the
 * fast store is told and every instance's live streams hear it on the bus. Each call writes the
 * store again even when the database had nothing left to change, so a client retrying after a
 * 503 (store write failed) is what repairs the store: no answer says "done" before it is done.
 */
export function createRevocation(core: Core) {
  async function propagate(
    revocations: Partial<Revocations>,
    events: RevocationEvent[],
  ): Promise<void> {
    const published = Promise.all(events.map((event) => core.bus.publish(event))).catch(
      // Streams re-read the database on a timer: a lost notification only delays them.
      () => undefined,
    );
    await orUnavailable(() => core.store.mirror(revocations));
    await published;
  }

  return {
    /**
     * Revokes sessions of `userId`; returns the ids revoked by this call. Every session of the
     * user revoked within the mirror window is copied to the store, which makes retries whole.
     */
    async sessions(
      userId: string,
      scope: SessionScope,
      reason: StoredRevocationReason,
      meta: RequestMeta = {},
    ): Promise<string[]> {
      const at = now(core);
      const since = new Date(at.getTime() - mirrorWindowMs(core));
      const ids = "ids" in scope ? scope.ids : null;
      const keep = "allExcept" in scope ? scope.allExcept : null;
      if (ids?.length === 0) return [];
      const rows = await orUnavailable(
        () =>
          core.db.prisma.$queryRaw<{ id: string; newly: boolean }[]>`
          WITH newly AS (
            UPDATE sessions SET revoked_at = ${at}, revoked_reason = ${reason}::"RevocationReason"
            WHERE user_id = ${userId}::uuid AND revoked_at IS NULL
              AND (${ids}::uuid[] IS NULL OR id = ANY(${ids}::uuid[]))
              AND (${keep}::uuid IS NULL OR id <> ${keep}::uuid)
            RETURNING id
          )
          SELECT s.id::text AS id, s.id IN (SELECT id FROM newly) AS newly
          FROM sessions s
          WHERE s.user_id = ${userId}::uuid
            AND (s.id IN (SELECT id FROM newly) OR s.revoked_at > ${since})`,
      );
      const revoked = rows.filter((row) => row.newly).map((row) => row.id);
      const event: SecurityEventName = ids ? "session.revoked" : "sessions.revoked_all";
      if (revoked.length > 0)
        core.events({ event, userId, sessionIds: revoked, reason, ...eventMeta(meta) });
      await propagate({ sessions: rows.map((row) => row.id) }, [
        { kind: "sessions", userId, sessionIds: ids ?? revoked, reason },
      ]);
      return revoked;
    },

    /** Raises the user's token version: every access token minted before dies. Returns it. */
    async tokenVersion(userId: string, reason: StoredRevocationReason): Promise<number> {
      const [row] = await orUnavailable(
        () =>
          core.db.prisma.$queryRaw<{ version: number }[]>`
          UPDATE users SET token_version = token_version + 1, tokens_revoked_at = ${now(core)}
          WHERE id = ${userId}::uuid RETURNING token_version AS version`,
      );
      if (!row) return 0;
      await propagate({ versions: [{ userId, version: row.version }] }, [
        { kind: "user", userId, version: row.version, reason },
      ]);
      return row.version;
    },

    /** Denies one access token until its own `exp` (logout, RFC 7009). */
    async accessToken(claims: AccessTokenClaims, meta: RequestMeta = {}): Promise<void> {
      const expiresAt = new Date(claims.exp * 1000);
      await orUnavailable(() =>
        core.db.prisma.revokedAccessToken.upsert({
          where: { jti: claims.jti },
          create: { jti: claims.jti, expiresAt },
          update: {},
        }),
      );
      core.events({
        event: "token.revoked",
        userId: claims.sub,
        sessionId: claims.sid,
        ...eventMeta(meta),
      });
      await propagate({ tokens: [{ jti: claims.jti, exp: claims.exp }] }, [
        { kind: "token", userId: claims.sub, jti: claims.jti, reason: "token_revoked" },
      ]);
    },

    /** Everything a fast store must hold now, for a rebuild after it lost its data. */
    async current(): Promise<Revocations> {
      const at = now(core);
      const since = new Date(at.getTime() - mirrorWindowMs(core));
      const { prisma } = core.db;
      const [sessions, versions, tokens] = await Promise.all([
        prisma.session.findMany({ where: { revokedAt: { gt: since } }, select: { id: true } }),
        prisma.user.findMany({
          where: { tokensRevokedAt: { gt: since } },
          select: { id: true, tokenVersion: true },
        }),
        prisma.revokedAccessToken.findMany({
          where: { expiresAt: { gt: at } },
          select: { jti: true, expiresAt: true },
        }),
      ]);
      return {
        sessions: sessions.map((s) => s.id),
        versions: versions.map((u) => ({ userId: u.id, version: u.tokenVersion })),
        tokens: tokens.map((t) => ({ jti: t.jti, exp: Math.ceil(t.expiresAt.getTime() / 1000) })),
      };
    },
  };
}

export type Revocation = ReturnType<typeof createRevocation>;

/** The request fields every security event carries. */
export const eventMeta = (meta: RequestMeta) => ({
  ip: meta.clientIp ?? null,
  ...(meta.requestId ? { requestId: meta.requestId } : {}),
});
