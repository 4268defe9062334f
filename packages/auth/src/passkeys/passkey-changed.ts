/**
 * What follows a change to an account's passkeys, as for any second factor: the other sessions
 * end (they were authenticated with less, or with a factor that is gone), a security event, and
 * a notice to the owner ("if this was not you").
 */
import type { Core } from "../core";
import { eventMeta } from "../events";
import { notifyOwner } from "../mfa/notify-owner";
import { revokeSessions, type RevocationDeps } from "../revocation/revoke";
import type { Identity, RequestMeta } from "../types";

export type PasskeyChangeDeps = RevocationDeps & Pick<Core, "random" | "notify">;

/** The event and the owner's notice for each kind of change. */
const PASSKEY_CHANGES = {
  added: { event: "passkey.added", notice: "mfa_factor_added" },
  removed: { event: "passkey.removed", notice: "mfa_factor_removed" },
} as const;

/** A passkey was registered or removed: every other session of the user ends, and the owner is told. */
export async function passkeyChanged(
  deps: RevocationDeps & Pick<Core, "notify">,
  identity: Pick<Identity, "user" | "session">,
  change: keyof typeof PASSKEY_CHANGES,
  factorId: string,
  meta: RequestMeta,
): Promise<void> {
  const userId = identity.user.id;
  const { event, notice } = PASSKEY_CHANGES[change];
  await revokeSessions(deps, userId, { allExcept: identity.session.id }, "mfa_changed", meta);
  deps.events({ event, userId, factorId, factorType: "passkey", ...eventMeta(meta) });
  await notifyOwner(deps, { kind: notice, userId, factorType: "passkey" });
}
