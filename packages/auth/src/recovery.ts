import { normalizeEmail } from "@authkit/db";

import { consumeAccountToken, type AccountTokens } from "./account-tokens";
import { now, type Core } from "./core";
import { orUnavailable } from "./errors";
import { sha256 } from "./random";
import { addressHit, hitOf } from "./rate-gate";
import { eventMeta, type Revocation } from "./revocation";
import type { RequestMeta } from "./types";

/**
 * Password reset by a mailed link. The request answers the same whether or not the email has
 * an account (the limits too: they count the email, not the account); only the mail differs,
 * and it leaves in the background.
 */
export function createRecovery(core: Core, revocation: Revocation, tokens: AccountTokens) {
  const { prisma } = core.db;
  const { limits, gate } = core;

  return {
    /** Mails a reset link when the account exists and is enabled; a new request voids the last. */
    async request(email: string, meta: RequestMeta = {}): Promise<void> {
      const normalized = normalizeEmail(email);
      await gate.take([
        hitOf(limits.passwordResetEmail, sha256(normalized)),
        addressHit(limits.passwordResetIp, meta.clientIp),
      ]);
      const user = await orUnavailable(() =>
        prisma.user.findUnique({
          where: { email: normalized },
          select: { id: true, email: true, disabledAt: true },
        }),
      );
      core.events({
        event: "password.reset_requested",
        ...(user ? { userId: user.id } : { reason: "unknown_email" }),
        ...eventMeta(meta),
      });
      // A disabled account gets no mail: a new password would not let it in anyway.
      if (!user || user.disabledAt) return;
      // After the answer: storing the token must not make a known email slower than an unknown one.
      core.background.run(async () => {
        const ttlSeconds = core.settings.passwordResetTtlSeconds;
        const token = await tokens.issue(user.id, "password_reset", ttlSeconds);
        core.mail({ kind: "password_reset", to: user.email, userId: user.id, token, ttlSeconds });
      });
    },

    /**
     * Sets the new password (argon2id) with a live reset token, then signs the user out
     * everywhere: every session, every access token (token version), every live stream. The
     * email counts as verified from now on: the link proved control of the mailbox.
     */
    async reset(
      { token, password }: { token: string; password: string },
      meta: RequestMeta = {},
    ): Promise<void> {
      // Checked before hashing, so made-up tokens cost no argon2 work.
      await tokens.peek(token, "password_reset");
      const passwordHash = await core.passwords.hash(password);
      const at = now(core);
      const userId = await orUnavailable(() =>
        prisma.$transaction(async (tx) => {
          const owner = await consumeAccountToken(tx, token, "password_reset", at);
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
      await revocation.sessions(userId, { allExcept: null }, "password_reset", meta);
      await revocation.tokenVersion(userId, "password_reset");
      core.events({ event: "password.reset", userId, ...eventMeta(meta) });
    },
  };
}

export type Recovery = ReturnType<typeof createRecovery>;
