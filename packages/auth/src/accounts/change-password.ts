import type { Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { assertPasswordAllowed } from "../password-policy";
import { sha256 } from "../random";
import { addressHit, hitOf } from "../rate-limit/gate";
import { revokeSessions, type RevocationDeps } from "../revocation/revoke";
import type { Identity, RequestMeta } from "../types";
import { recordCredentialChange } from "./record-credential-change";

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

/**
 * A wrong current password counts like a failed login (per account and per address): with a
 * stolen access token it would otherwise be an unlimited password oracle. This device stays
 * signed in; every other session dies with its access tokens, and every open reset link and
 * device cookie of the account with them (./record-credential-change).
 */
export async function changePassword(
  deps: RevocationDeps & Pick<Core, "passwords" | "limits" | "gate" | "breaches">,
  identity: Identity,
  { currentPassword, newPassword }: ChangePasswordInput,
  meta: RequestMeta = {},
): Promise<void> {
  const userId = identity.user.id;
  const { prisma } = deps.db;
  const user = await orUnavailable(() =>
    prisma.user.findUnique({ where: { id: userId }, select: { email: true, passwordHash: true } }),
  );
  if (!user) throw new AuthError("UNAUTHENTICATED");
  const taken = await deps.gate.take([
    addressHit(deps.limits.loginIp, meta.clientIp),
    hitOf(deps.limits.loginAccount, sha256(user.email)),
  ]);
  const check = await deps.passwords.verify(user.passwordHash, currentPassword);
  if (!check.ok) {
    deps.events({ event: "password.change_failed", userId, ...eventMeta(meta) });
    throw new AuthError("WRONG_PASSWORD");
  }
  await deps.gate.giveBack(taken);
  await assertPasswordAllowed(deps, newPassword, [user.email], meta);
  const passwordHash = await deps.passwords.hash(newPassword);
  // Only over the hash just verified: a concurrent change that won makes this one wrong (and
  // rolls back the voided reset links and the raised credential epoch with it).
  await orUnavailable(() =>
    prisma.$transaction(async (tx) => {
      await recordCredentialChange(tx, userId);
      const { count } = await tx.user.updateMany({
        where: { id: userId, passwordHash: user.passwordHash },
        data: { passwordHash },
      });
      if (count !== 1) throw new AuthError("WRONG_PASSWORD");
    }),
  );
  await revokeSessions(deps, userId, { allExcept: identity.session.id }, "password_changed", meta);
  deps.events({
    event: "password.changed",
    userId,
    sessionId: identity.session.id,
    ...eventMeta(meta),
  });
}
