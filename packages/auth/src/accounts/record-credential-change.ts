import type { Core } from "../core";

/** The part of a Prisma (transaction) client a credential change writes. */
export type CredentialChangeTx = Pick<Core["db"]["prisma"], "user" | "accountToken">;

/**
 * What every credential change does besides its own write, inside the caller's transaction:
 * a password change, a reset, disabling the account, the admin bootstrap's reset (and a second
 * factor added or removed, when there is one). Two things outlive a credential unless voided:
 *
 * - open password-reset links: deleted here, so a link mailed before the change cannot set a
 *   password after it. Deleted rather than bound to the password hash they were issued for,
 *   because disabling the account changes no hash and must void them too, and because the row
 *   lock the delete takes serialises it against a reset consuming the same link;
 * - device cookies (../device.ts): they carry the credential epoch they were issued at, raised
 *   here, so a stolen cookie loses its larger failure budget with the credential it vouched for.
 *
 * Call it FIRST in the transaction: then every writer locks the reset links before the user's
 * row (a reset consumes its link first too), and two of them never wait on each other in a cycle.
 */
export async function recordCredentialChange(
  tx: CredentialChangeTx,
  userId: string,
): Promise<void> {
  await tx.accountToken.deleteMany({
    where: { userId, purpose: "password_reset", consumedAt: null },
  });
  await tx.user.update({
    where: { id: userId },
    data: { credentialEpoch: { increment: 1 } },
    select: { id: true },
  });
}
