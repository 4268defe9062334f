/** A signed-in user's view of their own sessions: the list, and revoking one of them. */
import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { revokeSessions, type RevocationDeps } from "../revocation/revoke";
import type { Identity, RequestMeta, SessionView } from "../types";

/** The user's live sessions, most recently used first; `current` marks the caller's own. */
export async function listOwnSessions(
  deps: Pick<Core, "db" | "clock">,
  identity: Identity,
): Promise<SessionView[]> {
  const rows = await orUnavailable(() =>
    deps.db.prisma.session.findMany({
      where: { userId: identity.user.id, revokedAt: null, expiresAt: { gt: now(deps) } },
      orderBy: { lastUsedAt: "desc" },
      select: { id: true, createdAt: true, lastUsedAt: true, userAgent: true },
    }),
  );
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt.toISOString(),
    userAgent: row.userAgent,
    current: row.id === identity.session.id,
  }));
}

/** Revokes one of the caller's own sessions; someone else's session is NOT_FOUND. */
export async function revokeOwnSession(
  deps: RevocationDeps,
  identity: Identity,
  sessionId: string,
  meta: RequestMeta = {},
): Promise<void> {
  const session = await orUnavailable(() =>
    deps.db.prisma.session.findFirst({
      where: { id: sessionId, userId: identity.user.id },
      select: { id: true },
    }),
  );
  if (!session) throw new AuthError("NOT_FOUND");
  await revokeSessions(deps, identity.user.id, { ids: [sessionId] }, "session_revoked", meta);
}
