/** The signed-in user's passkeys: listed, renamed, removed (the router makes removal fresh). */
import { recordCredentialChange } from "../accounts/record-credential-change";
import type { Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { mfaRequiredForRole } from "../mfa/factors";
import type { RevocationDeps } from "../revocation/revoke";
import type { Identity, RequestMeta } from "../types";
import { passkeyChanged } from "./passkey-changed";
import { passkeySelect, passkeyView, type PasskeyView } from "./passkey-view";
import { MAX_PASSKEY_NAME_LENGTH } from "./register-passkey";

export async function listPasskeys(
  deps: Pick<Core, "db">,
  identity: Pick<Identity, "user">,
): Promise<PasskeyView[]> {
  const rows = await orUnavailable(() =>
    deps.db.prisma.mfaFactor.findMany({
      where: { userId: identity.user.id, type: "passkey", confirmedAt: { not: null } },
      orderBy: { createdAt: "asc" },
      select: passkeySelect,
    }),
  );
  return rows.map(passkeyView);
}

/** NOT_FOUND for a passkey that is not the caller's. */
export async function renamePasskey(
  deps: Pick<Core, "db">,
  identity: Pick<Identity, "user">,
  input: { id: string; name: string },
): Promise<PasskeyView> {
  const name = input.name.trim().slice(0, MAX_PASSKEY_NAME_LENGTH);
  const { count } = await orUnavailable(() =>
    deps.db.prisma.mfaFactor.updateMany({
      where: { id: input.id, userId: identity.user.id, type: "passkey" },
      data: { name },
    }),
  );
  if (count !== 1) throw new AuthError("NOT_FOUND");
  const row = await orUnavailable(() =>
    deps.db.prisma.mfaFactor.findUniqueOrThrow({ where: { id: input.id }, select: passkeySelect }),
  );
  return passkeyView(row);
}

export type RemovePasskeyDeps = RevocationDeps &
  Pick<Core, "notify"> & {
    settings: Pick<Core["settings"], "mfaRequiredFor">;
  };

/**
 * Removes one of the caller's passkeys: NOT_FOUND for anyone else's, FACTOR_REQUIRED when it is
 * the last factor and MFA_REQUIRED_FOR asks this user for one. Every other session ends, and
 * the passkey is refused at once everywhere (every instance reads it from the database).
 */
export async function removePasskey(
  deps: RemovePasskeyDeps,
  identity: Pick<Identity, "user" | "session">,
  id: string,
  meta: RequestMeta,
): Promise<void> {
  const userId = identity.user.id;
  const required = mfaRequiredForRole(deps.settings.mfaRequiredFor, identity.user.role);
  await orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      await recordCredentialChange(tx, userId);
      const { count } = await tx.mfaFactor.deleteMany({ where: { id, userId, type: "passkey" } });
      if (count !== 1) throw new AuthError("NOT_FOUND");
      const left = await tx.mfaFactor.count({ where: { userId, confirmedAt: { not: null } } });
      // Thrown inside the transaction: the delete rolls back.
      if (left === 0 && required) throw new AuthError("FACTOR_REQUIRED");
      if (left === 0) await tx.recoveryCode.deleteMany({ where: { userId } });
    }),
  );
  await passkeyChanged(deps, identity, "removed", id, meta);
}
