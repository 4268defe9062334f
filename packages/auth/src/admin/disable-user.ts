import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { signOutEverywhere, type RevocationDeps } from "../revocation/revoke";
import type { Actor, RequestMeta } from "../types";
import { recordCredentialChange } from "../accounts/record-credential-change";
import { assertAnotherAdmin } from "./last-admin";

/**
 * The user is signed out everywhere now and cannot sign in, refresh or use any token until
 * enabled again; open reset links and device cookies die for good (a credential change). The
 * last enabled admin cannot be disabled (nobody could enable them). Repeating it revokes again,
 * so a retry after a 503 completes.
 */
export async function disableUser(
  deps: RevocationDeps,
  actor: Actor,
  userId: string,
  meta: RequestMeta = {},
): Promise<void> {
  const changed = await orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({
        where: { id: userId },
        select: { role: true, disabledAt: true },
      });
      if (!user) throw new AuthError("NOT_FOUND");
      if (user.disabledAt) return false;
      if (user.role === "admin") await assertAnotherAdmin(tx);
      await recordCredentialChange(tx, userId);
      await tx.user.update({ where: { id: userId }, data: { disabledAt: now(deps) } });
      return true;
    }),
  );
  await signOutEverywhere(deps, userId, "user_disabled", meta);
  if (changed)
    deps.events({ event: "user.disabled", userId, actorId: actor.id, ...eventMeta(meta) });
}

/** Lets a disabled user sign in again (their old sessions stay dead). */
export async function enableUser(
  deps: Pick<Core, "db" | "events">,
  actor: Actor,
  userId: string,
  meta: RequestMeta = {},
): Promise<void> {
  const { prisma } = deps.db;
  const user = await orUnavailable(() =>
    prisma.user.findUnique({ where: { id: userId }, select: { disabledAt: true } }),
  );
  if (!user) throw new AuthError("NOT_FOUND");
  if (!user.disabledAt) return;
  await orUnavailable(() =>
    prisma.user.update({ where: { id: userId }, data: { disabledAt: null } }),
  );
  deps.events({ event: "user.enabled", userId, actorId: actor.id, ...eventMeta(meta) });
}
