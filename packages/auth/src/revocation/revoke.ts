/**
 * The one way anything gets revoked. The database is written first (it is the truth), then the
 * fast store is told and every instance's live streams hear it on the bus. Each call writes the
 * store again even when the database had nothing left to change, so a client retrying after a
 * 503 (store write failed) is what repairs the store: no answer says "done" before it is done.
 */
import type { AccessTokenClaims, Role } from "../access-token";
import { now, type Core } from "../core";
import { orUnavailable } from "../errors";
import { eventMeta, type SecurityEventName } from "../events";
import type { RequestMeta, RevocationEvent, StoredRevocationReason } from "../types";
import type { Revocations } from "./store";

/** What revoking needs: the database, the fast store, the bus, and the token lifetimes. */
export type RevocationDeps = Pick<Core, "db" | "clock" | "tokens" | "store" | "bus" | "events">;

/** Which sessions of a user to revoke: some by id, or all of them but (maybe) the caller's. */
export type SessionScope = { ids: string[] } | { allExcept: string | null };

/** How long a revocation must stay in the fast store: the life of any token it could concern. */
const mirrorWindowMs = (deps: Pick<Core, "tokens">) =>
  (deps.tokens.ttlSeconds + deps.tokens.leewaySeconds + 60) * 1000;

async function propagate(
  deps: Pick<Core, "store" | "bus">,
  revocations: Partial<Revocations>,
  events: RevocationEvent[],
): Promise<void> {
  const published = Promise.all(events.map((event) => deps.bus.publish(event))).catch(
    // Streams re-read the database on a timer: a lost notification only delays them.
    () => undefined,
  );
  await orUnavailable(() => deps.store.mirror(revocations));
  await published;
}

/**
 * Revokes sessions of `userId`; returns the ids revoked by this call. Every session of the user
 * revoked within the mirror window is copied to the store, which makes retries whole.
 */
export async function revokeSessions(
  deps: RevocationDeps,
  userId: string,
  scope: SessionScope,
  reason: StoredRevocationReason,
  meta: RequestMeta = {},
): Promise<string[]> {
  const at = now(deps);
  const since = new Date(at.getTime() - mirrorWindowMs(deps));
  const ids = "ids" in scope ? scope.ids : null;
  const keep = "allExcept" in scope ? scope.allExcept : null;
  if (ids?.length === 0) return [];
  const rows = await orUnavailable(
    () =>
      deps.db.prisma.$queryRaw<{ id: string; newly: boolean }[]>`
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
    deps.events({ event, userId, sessionIds: revoked, reason, ...eventMeta(meta) });
  await propagate(deps, { sessions: rows.map((row) => row.id) }, [
    { kind: "sessions", userId, sessionIds: ids ?? revoked, reason },
  ]);
  return revoked;
}

/** Raises the user's token version: every access token minted before dies. Returns it. */
export async function raiseTokenVersion(
  deps: RevocationDeps,
  userId: string,
  reason: StoredRevocationReason,
): Promise<number> {
  // The role as it stands at the new version, from the same row: what the store compares.
  const [row] = await orUnavailable(
    () =>
      deps.db.prisma.$queryRaw<{ version: number; role: Role }[]>`
      UPDATE users SET token_version = token_version + 1, tokens_revoked_at = ${now(deps)}
      WHERE id = ${userId}::uuid RETURNING token_version AS version, role::text AS role`,
  );
  if (!row) return 0;
  await propagate(deps, { versions: [{ userId, version: row.version, role: row.role }] }, [
    { kind: "user", userId, version: row.version, reason },
  ]);
  return row.version;
}

/** Every session and every access token of the user dies now, on every instance. */
export async function signOutEverywhere(
  deps: RevocationDeps,
  userId: string,
  reason: StoredRevocationReason,
  meta: RequestMeta = {},
): Promise<void> {
  await revokeSessions(deps, userId, { allExcept: null }, reason, meta);
  await raiseTokenVersion(deps, userId, reason);
}

/** Denies one access token until its own `exp` (logout, RFC 7009). */
export async function denyAccessToken(
  deps: RevocationDeps,
  claims: AccessTokenClaims,
  meta: RequestMeta = {},
): Promise<void> {
  const expiresAt = new Date(claims.exp * 1000);
  await orUnavailable(() =>
    deps.db.prisma.revokedAccessToken.upsert({
      where: { jti: claims.jti },
      create: { jti: claims.jti, expiresAt },
      update: {},
    }),
  );
  deps.events({
    event: "token.revoked",
    userId: claims.sub,
    sessionId: claims.sid,
    ...eventMeta(meta),
  });
  await propagate(deps, { tokens: [{ jti: claims.jti, exp: claims.exp }] }, [
    { kind: "token", userId: claims.sub, jti: claims.jti, reason: "token_revoked" },
  ]);
}

/** Everything a fast store must hold now, for a rebuild after it lost its data. */
export async function currentRevocations(
  deps: Pick<Core, "db" | "clock" | "tokens">,
): Promise<Revocations> {
  const at = now(deps);
  const since = new Date(at.getTime() - mirrorWindowMs(deps));
  const { prisma } = deps.db;
  const [sessions, versions, tokens] = await Promise.all([
    prisma.session.findMany({ where: { revokedAt: { gt: since } }, select: { id: true } }),
    prisma.user.findMany({
      where: { tokensRevokedAt: { gt: since } },
      select: { id: true, tokenVersion: true, role: true },
    }),
    prisma.revokedAccessToken.findMany({
      where: { expiresAt: { gt: at } },
      select: { jti: true, expiresAt: true },
    }),
  ]);
  return {
    sessions: sessions.map((s) => s.id),
    versions: versions.map((u) => ({ userId: u.id, version: u.tokenVersion, role: u.role })),
    tokens: tokens.map((t) => ({ jti: t.jti, exp: Math.ceil(t.expiresAt.getTime() / 1000) })),
  };
}
