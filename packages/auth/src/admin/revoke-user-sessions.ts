import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { signOutEverywhere, type RevocationDeps } from "../revocation/revoke";
import type { Actor, RequestMeta } from "../types";

/** Signs the user out everywhere without disabling them: they can sign in again. */
export async function revokeUserSessions(
  deps: RevocationDeps,
  actor: Actor,
  userId: string,
  meta: RequestMeta = {},
): Promise<void> {
  const user = await orUnavailable(() =>
    deps.db.prisma.user.findUnique({ where: { id: userId }, select: { id: true } }),
  );
  if (!user) throw new AuthError("NOT_FOUND");
  await signOutEverywhere(deps, userId, "revoked_by_admin", meta);
  deps.events({
    event: "sessions.revoked_by_admin",
    userId,
    actorId: actor.id,
    ...eventMeta(meta),
  });
}
