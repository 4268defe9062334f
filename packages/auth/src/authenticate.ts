import type { Core } from "./core";
import { orUnavailable, unauthenticated } from "./errors";
import type { Identity } from "./types";

/**
 * The check behind every protected procedure: the signature once per token (cached until `exp`),
 * revocation on every request, in one round trip. A token this process has not seen before is
 * checked against the database itself: a fast store (Redis) only knows what was revoked, while
 * the database also knows whether the user and the session exist at all.
 */
export function createAuthenticate(core: Core) {
  return async function authenticate(accessToken: string | null | undefined): Promise<Identity> {
    if (!accessToken) throw unauthenticated("TOKEN_MISSING");
    const known = core.tokens.isKnown(accessToken);
    const claims = await core.tokens.verify(accessToken);
    const checks =
      known || core.store === core.authority
        ? [core.store.isRevoked(claims)]
        : // Both at once: the database for existence, the store so that a store that cannot
          // answer fails this request closed like every other.
          [core.authority.isRevoked(claims), core.store.isRevoked(claims)];
    const revoked = await orUnavailable(() => Promise.all(checks));
    if (revoked.some(Boolean)) throw unauthenticated("TOKEN_REVOKED");
    return {
      user: { id: claims.sub, role: claims.role },
      session: { id: claims.sid },
      token: claims,
    };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticate>;
