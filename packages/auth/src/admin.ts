import { publicUserSelect, type PublicUser } from "@authkit/db";

import type { Role } from "./access-token";
import type { Core } from "./core";
import { AuthError, orUnavailable } from "./errors";
import { eventMeta, type Revocation } from "./revocation";
import type { RequestMeta } from "./types";

/** What admins can do to other accounts. */
export function createAdmin(core: Core, revocation: Revocation) {
  const { prisma } = core.db;

  return {
    async listUsers(): Promise<(PublicUser & { createdAt: string })[]> {
      const users = await orUnavailable(() =>
        prisma.user.findMany({
          orderBy: { createdAt: "asc" },
          select: { ...publicUserSelect, createdAt: true },
        }),
      );
      return users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() }));
    },

    /**
     * A role change kills the user's access tokens, so the new role is in force on the next
     * request. Called again with the same role it revokes again, which is what makes a retry
     * after a 503 complete. The last admin cannot be demoted.
     */
    async setRole(userId: string, role: Role, meta: RequestMeta = {}): Promise<void> {
      const changed = await orUnavailable(() =>
        prisma.$transaction(async (tx) => {
          const user = await tx.user.findUnique({ where: { id: userId }, select: { role: true } });
          if (!user) throw new AuthError("NOT_FOUND");
          if (user.role === role) return false;
          if (role === "user" && (await tx.user.count({ where: { role: "admin" } })) <= 1)
            throw new AuthError("LAST_ADMIN");
          await tx.user.update({ where: { id: userId }, data: { role } });
          return true;
        }),
      );
      await revocation.tokenVersion(userId, "role_changed");
      if (changed) core.events({ event: "role.changed", userId, role, ...eventMeta(meta) });
    },
  };
}

export type Admin = ReturnType<typeof createAdmin>;
