import type { Core } from "./core";
import { orUnavailable, unauthenticated } from "./errors";
import type { Identity } from "./types";

/**
 * The check behind every protected procedure: the signature once per token (cached until `exp`),
 * revocation on every request, in one round trip. A token the database has not vouched for in
 * this process is checked against the database itself: a fast store (Redis) only knows what was
 * revoked, while the database also knows whether the user and the session exist at all, and
 * which role the user holds. Only a token the database accepted becomes known: one it refused
 * (forged with a leaked key, say) goes to the database again on every request, so a second try
 * or a concurrent one cannot slip through on the fast store alone.
 *
 * The role is compared too, in the same round trip: a correctly signed token whose `role` is not
 * the user's is refused (`TOKEN_ROLE_MISMATCH`) and reported as `token.role_mismatch`, because
 * nobody mints such a token here (a role change raises the token version, which is `revoked`).
 */
export async function authenticate(
  deps: Pick<Core, "tokens" | "store" | "authority" | "events">,
  accessToken: string | null | undefined,
): Promise<Identity> {
  if (!accessToken) throw unauthenticated("TOKEN_MISSING");
  const known = deps.tokens.isKnown(accessToken);
  const claims = await deps.tokens.verify(accessToken);
  const checks =
    known || deps.store === deps.authority
      ? [deps.store.isRevoked(claims)]
      : // Both at once: the database for existence, the store so that a store that cannot
        // answer fails this request closed like every other.
        [deps.authority.isRevoked(claims), deps.store.isRevoked(claims)];
  const verdicts = await orUnavailable(() => Promise.all(checks));
  if (verdicts.includes("revoked")) throw unauthenticated("TOKEN_REVOKED");
  if (verdicts.includes("role")) {
    deps.events({
      event: "token.role_mismatch",
      userId: claims.sub,
      sessionId: claims.sid,
      role: claims.role,
    });
    throw unauthenticated("TOKEN_ROLE_MISMATCH");
  }
  deps.tokens.vouch(accessToken);
  return {
    user: { id: claims.sub, role: claims.role },
    session: { id: claims.sid },
    token: claims,
  };
}
