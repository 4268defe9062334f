import type { AuthenticationMethod, Role } from "../access-token";
import { now, type Core } from "../core";
import { AuthError, orUnavailable, unauthenticated } from "../errors";
import { eventMeta } from "../events";
import { sha256 } from "../random";
import { addressHit } from "../rate-limit/gate";
import { signOutEverywhere, type RevocationDeps } from "../revocation/revoke";
import type { RequestMeta, TokenPair } from "../types";
import {
  issueTokens,
  MAX_REFRESH_TOKEN_LENGTH,
  newRefreshToken,
  refreshExpiry,
} from "./issue-tokens";

interface Exchange {
  session_id: string;
  user_id: string;
  issued: number;
  /** The presented token's state before this statement, for telling theft from the rest. */
  token_live: boolean;
  session_live: boolean;
  email: string;
  name: string | null;
  role: Role;
  token_version: number;
  /** Carried from the session: a refresh is not a new proof of who the person is. */
  auth_time: Date;
  amr: AuthenticationMethod[];
}

export type RotationDeps = RevocationDeps &
  Pick<Core, "random" | "limits" | "gate"> & {
    settings: Pick<Core["settings"], "refreshTokenTtlSeconds" | "refreshReuseGraceSeconds">;
  };

/**
 * Refresh-token rotation with reuse detection (tRPC `auth.refresh`, the OAuth `refresh_token`
 * grant), as one SQL statement.
 *
 * The presented token is consumed and a new one inserted in its session if the token is unexpired
 * and either unused or used within the reuse grace (a lost response, a retry, two tabs racing:
 * the caller gets a sibling in the same family, nothing is revoked). Row locks make concurrent
 * exchanges of one token take turns, so each caller gets exactly one new token and none is lost.
 *
 * A token presented after the grace is theft (one of the two holders is not the owner): every
 * session of the user is revoked, the token version raised, live streams end. A token of a
 * session already ended (logout, revocation, expiry) is simply refused: that family is dead.
 */
export async function rotateRefreshToken(
  deps: RotationDeps,
  rawToken: string | undefined | null,
  meta: RequestMeta = {},
): Promise<TokenPair> {
  await deps.gate.take([addressHit(deps.limits.refreshIp, meta.clientIp)]);
  if (!rawToken || rawToken.length > MAX_REFRESH_TOKEN_LENGTH)
    throw unauthenticated("REFRESH_TOKEN_UNKNOWN");
  const next = newRefreshToken(deps);
  const row = await exchange(deps, sha256(rawToken), next);
  if (!row) throw unauthenticated("REFRESH_TOKEN_UNKNOWN");
  if (row.issued !== 1) {
    if (row.token_live && row.session_live) await theft(deps, row, meta);
    throw unauthenticated("SESSION_ENDED");
  }
  const user = { id: row.user_id, email: row.email, name: row.name, role: row.role };
  return issueTokens(deps, user, row.token_version, row.session_id, next.raw, {
    authTime: row.auth_time,
    amr: row.amr,
  });
}

/** The statement: consume the presented token, touch the session, insert its successor. */
async function exchange(
  deps: Pick<RotationDeps, "db" | "clock" | "settings">,
  hash: string,
  next: { id: string; hash: string },
): Promise<Exchange | undefined> {
  const at = now(deps);
  const grace = deps.settings.refreshReuseGraceSeconds;
  // Without a grace, only an unused token rotates: comparing timestamps would let a request
  // that read the clock a moment earlier through after another consumed the token.
  const graceStart = grace > 0 ? new Date(at.getTime() - grace * 1000) : null;
  const expiresAt = refreshExpiry(deps, at);
  const [row] = await orUnavailable(
    () =>
      deps.db.prisma.$queryRaw<Exchange[]>`
      WITH presented AS (
        SELECT rt.session_id, rt.expires_at > ${at} AS token_live,
          s.revoked_at IS NULL AND s.expires_at > ${at} AS session_live
        FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
        WHERE rt.token_hash = ${hash}
      ), consumed AS (
        UPDATE refresh_tokens rt SET consumed_at = COALESCE(rt.consumed_at, ${at})
        FROM sessions s, users u
        WHERE rt.token_hash = ${hash} AND s.id = rt.session_id AND u.id = s.user_id
          AND rt.expires_at > ${at} AND s.revoked_at IS NULL AND s.expires_at > ${at}
          AND u.disabled_at IS NULL
          AND (rt.consumed_at IS NULL OR rt.consumed_at > ${graceStart}::timestamptz)
        RETURNING rt.session_id
      ), touched AS (
        UPDATE sessions SET last_used_at = ${at}, expires_at = ${expiresAt}
        WHERE id IN (SELECT session_id FROM consumed)
      ), issued AS (
        INSERT INTO refresh_tokens (id, token_hash, session_id, expires_at, created_at)
        SELECT ${next.id}::uuid, ${next.hash}, session_id, ${expiresAt}, ${at} FROM consumed
        RETURNING session_id
      )
      SELECT p.session_id::text AS session_id, u.id::text AS user_id,
        (SELECT count(*) FROM issued)::int AS issued,
        p.token_live, p.session_live AND u.disabled_at IS NULL AS session_live,
        u.email, u.name, u.role::text AS role, u.token_version, s.auth_time, s.amr
      FROM presented p JOIN sessions s ON s.id = p.session_id JOIN users u ON u.id = s.user_id`,
  );
  return row;
}

/** A consumed token came back after the grace: one of its two holders is a thief. */
async function theft(deps: RevocationDeps, row: Exchange, meta: RequestMeta): Promise<never> {
  const userId = row.user_id;
  deps.events({ event: "refresh.reuse", userId, sessionId: row.session_id, ...eventMeta(meta) });
  await signOutEverywhere(deps, userId, "refresh_token_reused", meta);
  throw new AuthError("REFRESH_TOKEN_REUSED");
}
