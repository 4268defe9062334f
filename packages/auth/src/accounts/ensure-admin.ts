import { normalizeEmail } from "@authkit/db";

import type { Core } from "../core";
import { orUnavailable } from "../errors";
import { assertPasswordAllowed } from "../password-policy";
import { raiseTokenVersion, revokeSessions, type RevocationDeps } from "../revocation/revoke";
import { recordCredentialChange } from "./record-credential-change";

/**
 * Makes sure the `ADMIN_EMAIL` account exists and is an admin, at start-up. An account that
 * someone registered with that address before the operator set it is not simply promoted: its
 * password becomes `ADMIN_PASSWORD` and its sessions die, so the registrant's own password never
 * yields admin rights. An account that is already an admin is left alone (its password may have
 * been changed since, on purpose).
 */
export async function ensureAdmin(
  deps: RevocationDeps & Pick<Core, "passwords" | "breaches">,
  { email, password }: { email: string; password: string },
): Promise<void> {
  const { prisma } = deps.db;
  const normalized = normalizeEmail(email);
  const existing = await orUnavailable(() =>
    prisma.user.findUnique({
      where: { email: normalized },
      select: { id: true, role: true, passwordHash: true },
    }),
  );
  if (existing?.role === "admin") return;
  await assertPasswordAllowed(deps, password, [email]);
  if (!existing) {
    const passwordHash = await deps.passwords.hash(password);
    const user = await orUnavailable(() =>
      prisma.user.create({
        data: { email: normalized, name: "Admin", role: "admin", passwordHash },
        select: { id: true },
      }),
    );
    deps.events({ event: "admin.bootstrap", userId: user.id, reason: "created" });
    return;
  }
  const { ok } = await deps.passwords.verify(existing.passwordHash, password);
  const passwordHash = ok ? existing.passwordHash : await deps.passwords.hash(password);
  await orUnavailable(() =>
    prisma.$transaction(async (tx) => {
      // A new password is a credential change: the registrant's reset links and devices die.
      if (!ok) await recordCredentialChange(tx, existing.id);
      await tx.user.update({ where: { id: existing.id }, data: { role: "admin", passwordHash } });
    }),
  );
  if (!ok) await revokeSessions(deps, existing.id, { allExcept: null }, "password_reset");
  await raiseTokenVersion(deps, existing.id, ok ? "role_changed" : "password_reset");
  deps.events({
    event: "admin.bootstrap",
    userId: existing.id,
    reason: ok ? "promoted" : "password_reset",
  });
}
