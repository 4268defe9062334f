/**
 * A user's second factors as the account page sees them, and their removal. Removing one ends
 * every other session of the user; removing the last one also voids the recovery codes (they
 * finish a second step, and there is none left to finish).
 */
import type { Role } from "../access-token";
import { recordCredentialChange } from "../accounts/record-credential-change";
import type { Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { revokeSessions, type RevocationDeps } from "../revocation/revoke";
import type { Identity, RequestMeta } from "../types";
import { notifyOwner } from "./notify-owner";
import { replaceRecoveryCodes } from "./recovery-codes";

export interface FactorView {
  id: string;
  type: "totp" | "passkey";
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** The caller's confirmed factors, oldest first; never a secret. */
export async function listFactors(
  deps: Pick<Core, "db">,
  identity: Pick<Identity, "user">,
): Promise<FactorView[]> {
  const rows = await orUnavailable(() =>
    deps.db.prisma.mfaFactor.findMany({
      where: { userId: identity.user.id, confirmedAt: { not: null } },
      orderBy: { createdAt: "asc" },
      select: { id: true, type: true, name: true, createdAt: true, lastUsedAt: true },
    }),
  );
  return rows.map((row) => ({
    ...row,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  }));
}

/** Whether MFA_REQUIRED_FOR asks a user of this role for a second factor. */
export const mfaRequiredForRole = (
  requiredFor: Core["settings"]["mfaRequiredFor"],
  role: Role,
): boolean => requiredFor === "all" || (requiredFor === "admin" && role === "admin");

export type RemoveFactorDeps = RevocationDeps &
  Pick<Core, "notify"> & { settings: Pick<Core["settings"], "mfaRequiredFor"> };

/** Removes one of the caller's factors (NOT_FOUND for anyone else's). */
export async function removeFactor(
  deps: RemoveFactorDeps,
  identity: Pick<Identity, "user" | "session">,
  factorId: string,
  meta: RequestMeta = {},
): Promise<void> {
  const userId = identity.user.id;
  const required = mfaRequiredForRole(deps.settings.mfaRequiredFor, identity.user.role);
  const type = await orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      const factor = await tx.mfaFactor.findFirst({
        where: { id: factorId, userId },
        select: { type: true },
      });
      if (!factor) throw new AuthError("NOT_FOUND");
      await recordCredentialChange(tx, userId);
      await tx.mfaFactor.delete({ where: { id: factorId } });
      const left = await tx.mfaFactor.count({ where: { userId, confirmedAt: { not: null } } });
      // Thrown inside the transaction, so the delete rolls back.
      if (left === 0 && required) throw new AuthError("FACTOR_REQUIRED");
      if (left === 0) await tx.recoveryCode.deleteMany({ where: { userId } });
      return factor.type;
    }),
  );
  await revokeSessions(deps, userId, { allExcept: identity.session.id }, "mfa_changed", meta);
  deps.events({ event: "mfa.removed", userId, factorId, factorType: type, ...eventMeta(meta) });
  await notifyOwner(deps, { kind: "mfa_factor_removed", userId, factorType: type });
}

/** A new set of recovery codes for the caller; the old set dies. NOT_FOUND without a factor. */
export async function regenerateRecoveryCodes(
  deps: Pick<Core, "db" | "clock" | "random">,
  identity: Pick<Identity, "user">,
): Promise<string[]> {
  const userId = identity.user.id;
  return orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      const factors = await tx.mfaFactor.count({ where: { userId, confirmedAt: { not: null } } });
      if (factors === 0) throw new AuthError("NOT_FOUND");
      return replaceRecoveryCodes(deps, tx, userId);
    }),
  );
}
