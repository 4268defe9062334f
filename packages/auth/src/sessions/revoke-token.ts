/** RFC 7009 token revocation, and finding the session a refresh token belongs to. */
import type { Core } from "../core";
import { orUnavailable } from "../errors";
import { sha256 } from "../random";
import { denyAccessToken, revokeSessions, type RevocationDeps } from "../revocation/revoke";
import type { RequestMeta } from "../types";
import { MAX_REFRESH_TOKEN_LENGTH } from "./issue-tokens";

/** The session a raw refresh token belongs to, whatever state it is in. */
export async function sessionOfRefreshToken(
  deps: Pick<Core, "db">,
  raw: string,
): Promise<{ id: string; userId: string } | null> {
  if (raw.length > MAX_REFRESH_TOKEN_LENGTH) return null;
  const row = await orUnavailable(() =>
    deps.db.prisma.refreshToken.findUnique({
      where: { tokenHash: sha256(raw) },
      select: { session: { select: { id: true, userId: true } } },
    }),
  );
  return row?.session ?? null;
}

/** RFC 7009 for an access token: denied until it expires. Unknown or invalid: nothing to do. */
export async function revokeAccessToken(
  deps: RevocationDeps,
  accessToken: string,
  meta: RequestMeta = {},
): Promise<void> {
  const claims = await deps.tokens.verify(accessToken).catch(() => undefined);
  if (claims) await denyAccessToken(deps, claims, meta);
}

/** RFC 7009 for a refresh token: its whole session family. */
export async function revokeRefreshToken(
  deps: RevocationDeps,
  rawToken: string,
  meta: RequestMeta = {},
): Promise<void> {
  const session = await sessionOfRefreshToken(deps, rawToken);
  if (session) await revokeSessions(deps, session.userId, { ids: [session.id] }, "logout", meta);
}
