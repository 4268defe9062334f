import {
  denyAccessToken,
  revokeSessions,
  signOutEverywhere,
  type RevocationDeps,
} from "../revocation/revoke";
import type { Identity, RequestMeta } from "../types";
import { sessionOfRefreshToken } from "./revoke-token";

/**
 * Logout accepts whatever the caller holds: the refresh cookie, the bearer token, or both. It
 * never fails for a bad or missing token (there is nothing left to protect), only when the
 * revocation cannot be recorded everywhere (503, and a retry records it).
 */
export async function logout(
  deps: RevocationDeps,
  { refreshToken, accessToken }: { refreshToken?: string | null; accessToken?: string | null },
  meta: RequestMeta = {},
): Promise<void> {
  const claims = accessToken
    ? await deps.tokens.verify(accessToken).catch(() => undefined)
    : undefined;
  const session = refreshToken ? await sessionOfRefreshToken(deps, refreshToken) : null;
  if (claims) {
    // The session first: its streams end saying "logout", not "token revoked".
    await revokeSessions(deps, claims.sub, { ids: [claims.sid] }, "logout", meta);
    await denyAccessToken(deps, claims, meta);
  }
  if (session && session.id !== claims?.sid)
    await revokeSessions(deps, session.userId, { ids: [session.id] }, "logout", meta);
}

/** Every session and every access token of the user dies, this one included. */
export async function logoutAll(
  deps: RevocationDeps,
  identity: Identity,
  meta: RequestMeta = {},
): Promise<void> {
  await signOutEverywhere(deps, identity.user.id, "logout_all", meta);
}
