/** Email verification: a link mailed at registration, again on request, used once. */
import { normalizeEmail } from "@authkit/db";

import { now, type Core } from "../core";
import { orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { sha256 } from "../random";
import { addressHit, hitOf } from "../rate-limit/gate";
import type { Identity, RequestMeta } from "../types";
import { consumeAccountToken, issueAccountToken, peekAccountToken } from "./account-tokens";

/** What mailing a verification link needs. */
export type VerificationMailDeps = Pick<Core, "db" | "clock" | "random" | "mail" | "events"> & {
  settings: Pick<Core["settings"], "emailVerificationTtlSeconds">;
};

/** Issues a link (voiding the last) and hands its mail to the mailer. */
async function sendVerificationMail(
  deps: VerificationMailDeps,
  user: { id: string; email: string },
  meta: RequestMeta,
): Promise<void> {
  const ttlSeconds = deps.settings.emailVerificationTtlSeconds;
  const token = await issueAccountToken(deps, user.id, "email_verification", ttlSeconds);
  deps.mail({ kind: "email_verification", to: user.email, userId: user.id, token, ttlSeconds });
  deps.events({ event: "email.verification_sent", userId: user.id, ...eventMeta(meta) });
}

/** The account, when it exists, is enabled and its email is not verified yet. */
async function unverifiedAccount(
  deps: Pick<Core, "db">,
  where: { id: string } | { email: string },
): Promise<{ id: string; email: string } | null> {
  const user = await orUnavailable(() =>
    deps.db.prisma.user.findUnique({
      where,
      select: { id: true, email: true, emailVerifiedAt: true, disabledAt: true },
    }),
  );
  return user && !user.emailVerifiedAt && !user.disabledAt ? user : null;
}

/**
 * At registration, after the answer: the account exists already, so a failure here must not
 * undo it (it is a `mail.failed` event), and registering does not wait on it.
 */
export function mailVerificationAfterRegister(
  deps: VerificationMailDeps & Pick<Core, "background">,
  user: { id: string; email: string },
  meta: RequestMeta = {},
): void {
  deps.background.run(() => sendVerificationMail(deps, user, meta));
}

/** A signed-in user asks again (the account page); nothing is sent once verified. */
export async function resendVerification(
  deps: VerificationMailDeps & Pick<Core, "limits" | "gate">,
  identity: Identity,
  meta: RequestMeta = {},
): Promise<void> {
  await deps.gate.take([hitOf(deps.limits.verificationResend, identity.user.id)]);
  const user = await unverifiedAccount(deps, { id: identity.user.id });
  if (user) await sendVerificationMail(deps, user, meta);
}

/**
 * From the login page when REQUIRE_EMAIL_VERIFICATION refused a sign-in: by email, with the
 * same answer whether or not an unverified account has it (limits as a reset request).
 */
export async function resendVerificationByEmail(
  deps: VerificationMailDeps & Pick<Core, "limits" | "gate" | "background">,
  email: string,
  meta: RequestMeta = {},
): Promise<void> {
  const normalized = normalizeEmail(email);
  await deps.gate.take([
    hitOf(deps.limits.verificationResend, `email:${sha256(normalized)}`),
    addressHit(deps.limits.passwordResetIp, meta.clientIp),
  ]);
  const user = await unverifiedAccount(deps, { email: normalized });
  // After the answer, as a reset request: the timing says nothing about the account.
  if (user) deps.background.run(() => sendVerificationMail(deps, user, meta));
}

/** Uses the link's token; the email is verified from then on. */
export async function verifyEmail(
  deps: Pick<Core, "db" | "clock" | "events">,
  token: string,
  meta: RequestMeta = {},
): Promise<void> {
  await peekAccountToken(deps, token, "email_verification");
  const at = now(deps);
  const userId = await orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      const owner = await consumeAccountToken(tx, token, "email_verification", at);
      await tx.user.updateMany({
        where: { id: owner, emailVerifiedAt: null },
        data: { emailVerifiedAt: at },
      });
      return owner;
    }),
  );
  deps.events({ event: "email.verified", userId, ...eventMeta(meta) });
}
