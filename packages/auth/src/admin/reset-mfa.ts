import { recordCredentialChange } from "../accounts/record-credential-change";
import type { Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { notifyOwner } from "../mfa/notify-owner";
import { signOutEverywhere, type RevocationDeps } from "../revocation/revoke";
import type { Actor, RequestMeta } from "../types";

/**
 * The support path for a user who lost their authenticator and their recovery codes: every
 * factor, recovery code and pending second step of the user goes, and so does every session
 * (they sign in again with the password alone, then should enrol again). Mailed to the owner.
 */
export async function resetMfa(
  deps: RevocationDeps & Pick<Core, "notify">,
  actor: Actor,
  userId: string,
  meta: RequestMeta = {},
): Promise<void> {
  await orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true } });
      if (!user) throw new AuthError("NOT_FOUND");
      await recordCredentialChange(tx, userId);
      await tx.mfaFactor.deleteMany({ where: { userId } });
      await tx.recoveryCode.deleteMany({ where: { userId } });
      await tx.loginChallenge.deleteMany({ where: { userId } });
    }),
  );
  await signOutEverywhere(deps, userId, "mfa_changed", meta);
  deps.events({ event: "mfa.reset_by_admin", userId, actorId: actor.id, ...eventMeta(meta) });
  await notifyOwner(deps, { kind: "mfa_reset_by_admin", userId });
}
