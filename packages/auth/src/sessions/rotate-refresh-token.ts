import type { Core } from "../core";
import { AuthError, orUnavailable, unauthenticated } from "../errors";
import { eventMeta } from "../events";
import { sha256 } from "../random";
import { addressHit } from "../rate-limit/gate";
import { signOutEverywhere, type RevocationDeps } from "../revocation/revoke";
import type { RequestMeta, TokenPair } from "../types";
import { issueTokens, MAX_REFRESH_TOKEN_LENGTH, newRefreshToken } from "./issue-tokens";
import type { Exchange, RefreshExchange } from "./refresh-exchange";

export type RotationDeps = RevocationDeps &
  Pick<Core, "random" | "limits" | "gate"> & {
    settings: Pick<Core["settings"], "refreshTokenTtlSeconds">;
    /** The batched statement (./refresh-exchange), built once per core. */
    exchange: RefreshExchange;
  };

/**
 * Refresh-token rotation with reuse detection (tRPC `auth.refresh`, the OAuth `refresh_token`
 * grant), as one SQL statement shared with the rotations of the same event-loop turn.
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
  const row = await orUnavailable(() => deps.exchange({ hash: sha256(rawToken), next }));
  if (!row) throw unauthenticated("REFRESH_TOKEN_UNKNOWN");
  if (!row.issued) {
    if (row.token_live && row.session_live) await theft(deps, row, meta);
    throw unauthenticated("SESSION_ENDED");
  }
  const user = { id: row.user_id, email: row.email, name: row.name, role: row.role };
  return issueTokens(deps, user, row.token_version, row.session_id, next.raw, {
    authTime: row.auth_time,
    amr: row.amr,
  });
}

/** A consumed token came back after the grace: one of its two holders is a thief. */
async function theft(deps: RevocationDeps, row: Exchange, meta: RequestMeta): Promise<never> {
  const userId = row.user_id;
  deps.events({ event: "refresh.reuse", userId, sessionId: row.session_id, ...eventMeta(meta) });
  await signOutEverywhere(deps, userId, "refresh_token_reused", meta);
  throw new AuthError("REFRESH_TOKEN_REUSED");
}
