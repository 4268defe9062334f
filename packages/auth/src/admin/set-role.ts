import type { Role } from "../access-token";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { raiseTokenVersion, type RevocationDeps } from "../revocation/revoke";
import type { Actor, RequestMeta } from "../types";
import { assertAnotherAdmin } from "./last-admin";

/**
 * A role change kills the user's access tokens, so the new role is in force on the next request.
 * Called again with the same role it revokes again, which is what makes a retry after a 503
 * complete. The last enabled admin cannot be demoted.
 */
export async function setRole(
  deps: RevocationDeps,
  actor: Actor,
  userId: string,
  role: Role,
  meta: RequestMeta = {},
): Promise<void> {
  const changed = await orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({
        where: { id: userId },
        select: { role: true, disabledAt: true },
      });
      if (!user) throw new AuthError("NOT_FOUND");
      if (user.role === role) return false;
      if (role === "user" && !user.disabledAt) await assertAnotherAdmin(tx);
      await tx.user.update({ where: { id: userId }, data: { role } });
      return true;
    }),
  );
  await raiseTokenVersion(deps, userId, "role_changed");
  if (changed)
    deps.events({ event: "role.changed", userId, role, actorId: actor.id, ...eventMeta(meta) });
}
