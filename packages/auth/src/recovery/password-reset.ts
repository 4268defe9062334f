/**
 * Password reset by a mailed link. The request answers the same whether or not the email has
 * an account (the limits too: they count the email, not the account); only the mail differs,
 * and it leaves in the background.
 */
import { normalizeEmail } from "@authkit/db";

import { now, type Core } from "../core";
import { orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { assertPasswordAllowed } from "../password-policy";
import { sha256 } from "../random";
import { addressHit, hitOf } from "../rate-limit/gate";
import { signOutEverywhere, type RevocationDeps } from "../revocation/revoke";
import type { RequestMeta } from "../types";
import { recordCredentialChange } from "../accounts/record-credential-change";
import { consumeAccountToken, issueAccountToken, peekAccountToken } from "./account-tokens";

export type RequestPasswordResetDeps = Pick<
  Core,
  "db" | "clock" | "random" | "limits" | "gate" | "events" | "mail" | "background"
> & { settings: Pick<Core["settings"], "passwordResetTtlSeconds"> };

/** Mails a reset link when the account exists and is enabled; a new request voids the last. */
export async function requestPasswordReset(
  deps: RequestPasswordResetDeps,
  email: string,
  meta: RequestMeta = {},
): Promise<void> {
  const normalized = normalizeEmail(email);
  await deps.gate.take([
    hitOf(deps.limits.passwordResetEmail, sha256(normalized)),
    addressHit(deps.limits.passwordResetIp, meta.clientIp),
  ]);
  const user = await orUnavailable(() =>
    deps.db.prisma.user.findUnique({
      where: { email: normalized },
      select: { id: true, email: true, disabledAt: true },
    }),
  );
  deps.events({
    event: "password.reset_requested",
    ...(user ? { userId: user.id } : { reason: "unknown_email" }),
    ...eventMeta(meta),
  });
  // A disabled account gets no mail: a new password would not let it in anyway.
  if (!user || user.disabledAt) return;
  // After the answer: storing the token must not make a known email slower than an unknown one.
  deps.background.run(async () => {
    const ttlSeconds = deps.settings.passwordResetTtlSeconds;
    const token = await issueAccountToken(deps, user.id, "password_reset", ttlSeconds);
    deps.mail({ kind: "password_reset", to: user.email, userId: user.id, token, ttlSeconds });
  });
}

/**
 * Sets the new password (argon2id) with a live reset token, then signs the user out everywhere:
 * every session, every access token (token version), every live stream, and every other open
 * reset link and device cookie (../accounts/record-credential-change). The email counts as
 * verified from now on: the link proved control of the mailbox.
 */
export async function resetPassword(
  deps: RevocationDeps & Pick<Core, "passwords" | "breaches">,
  { token, password }: { token: string; password: string },
  meta: RequestMeta = {},
): Promise<void> {
  // Checked before hashing, so made-up tokens cost no argon2 work.
  await peekAccountToken(deps, token, "password_reset");
  await assertPasswordAllowed(deps, password, [], meta);
  const passwordHash = await deps.passwords.hash(password);
  const at = now(deps);
  const userId = await orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      const owner = await consumeAccountToken(tx, token, "password_reset", at);
      await recordCredentialChange(tx, owner);
      const user = await tx.user.findUniqueOrThrow({
        where: { id: owner },
        select: { emailVerifiedAt: true },
      });
      await tx.user.update({
        where: { id: owner },
        data: { passwordHash, emailVerifiedAt: user.emailVerifiedAt ?? at },
        select: { id: true },
      });
      return owner;
    }),
  );
  await signOutEverywhere(deps, userId, "password_reset", meta);
  deps.events({ event: "password.reset", userId, ...eventMeta(meta) });
}
