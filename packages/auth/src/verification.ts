import { normalizeEmail } from "@authkit/db";

import { consumeAccountToken, type AccountTokens } from "./account-tokens";
import { now, type Core } from "./core";
import { orUnavailable } from "./errors";
import { sha256 } from "./random";
import { addressHit, hitOf } from "./rate-gate";
import { eventMeta } from "./revocation";
import type { Identity, RequestMeta } from "./types";

/** Email verification: a link mailed at registration, again on request, used once. */
export function createVerification(core: Core, tokens: AccountTokens) {
  const { prisma } = core.db;
  const { limits, gate } = core;

  async function send(user: { id: string; email: string }, meta: RequestMeta): Promise<void> {
    const ttlSeconds = core.settings.emailVerificationTtlSeconds;
    const token = await tokens.issue(user.id, "email_verification", ttlSeconds);
    core.mail({ kind: "email_verification", to: user.email, userId: user.id, token, ttlSeconds });
    core.events({ event: "email.verification_sent", userId: user.id, ...eventMeta(meta) });
  }

  async function unverified(where: { id: string } | { email: string }) {
    const user = await orUnavailable(() =>
      prisma.user.findUnique({
        where,
        select: { id: true, email: true, emailVerifiedAt: true, disabledAt: true },
      }),
    );
    return user && !user.emailVerifiedAt && !user.disabledAt ? user : null;
  }

  return {
    /**
     * At registration, after the answer: the account exists already, so a failure here must
     * not undo it (it is a `mail.failed` event), and registering does not wait on it.
     */
    afterRegister(user: { id: string; email: string }, meta: RequestMeta = {}): void {
      core.background.run(() => send(user, meta));
    },

    /** A signed-in user asks again (the account page); nothing is sent once verified. */
    async resend(identity: Identity, meta: RequestMeta = {}): Promise<void> {
      await gate.take([hitOf(limits.verificationResend, identity.user.id)]);
      const user = await unverified({ id: identity.user.id });
      if (user) await send(user, meta);
    },

    /**
     * From the login page when REQUIRE_EMAIL_VERIFICATION refused a sign-in: by email, with the
     * same answer whether or not an unverified account has it (limits as a reset request).
     */
    async resendByEmail(email: string, meta: RequestMeta = {}): Promise<void> {
      const normalized = normalizeEmail(email);
      await gate.take([
        hitOf(limits.verificationResend, `email:${sha256(normalized)}`),
        addressHit(limits.passwordResetIp, meta.clientIp),
      ]);
      const user = await unverified({ email: normalized });
      // After the answer, as a reset request: the timing says nothing about the account.
      if (user) core.background.run(() => send(user, meta));
    },

    /** Uses the link's token; the email is verified from then on. */
    async verify(token: string, meta: RequestMeta = {}): Promise<void> {
      await tokens.peek(token, "email_verification");
      const at = now(core);
      const userId = await orUnavailable(() =>
        prisma.$transaction(async (tx) => {
          const owner = await consumeAccountToken(tx, token, "email_verification", at);
          await tx.user.updateMany({
            where: { id: owner, emailVerifiedAt: null },
            data: { emailVerifiedAt: at },
          });
          return owner;
        }),
      );
      core.events({ event: "email.verified", userId, ...eventMeta(meta) });
    },
  };
}

export type Verification = ReturnType<typeof createVerification>;
