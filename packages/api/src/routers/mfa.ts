/**
 * Second factors of the signed-in user (docs/mfa.md). Adding or removing a factor and
 * regenerating recovery codes need a recent sign-in (`freshProcedure`, REAUTH_MAX_AGE): 403
 * REAUTHENTICATION_REQUIRED otherwise, and `auth.reauthenticate` renews it.
 */
import { z } from "zod";

import { okOutput } from "../outputs";
import { factorName, totpCode } from "../schemas";
import { createTRPCRouter, freshProcedure, signedInProcedure } from "../trpc";

const recoveryCodesOutput = z.object({ recoveryCodes: z.array(z.string()) });

const totpRouter = createTRPCRouter({
  /** The key (base32, for manual entry) and its otpauth URI (for the QR code): shown once. */
  begin: freshProcedure()
    .input(z.strictObject({ name: factorName.optional() }).optional())
    .output(z.object({ factorId: z.uuid(), secret: z.string(), uri: z.string() }))
    .mutation(({ ctx, input }) => ctx.auth.mfa.beginTotp(ctx.identity, input?.name)),

  /** Enables the factor after a correct code; the account's first factor also gets recovery codes. */
  confirm: freshProcedure()
    .input(z.strictObject({ factorId: z.uuid(), code: totpCode }))
    .output(z.object({ ok: z.literal(true), recoveryCodes: z.array(z.string()).optional() }))
    .mutation(async ({ ctx, input }) => {
      const { recoveryCodes } = await ctx.auth.mfa.confirmTotp(ctx.identity, input, ctx.meta);
      return { ok: true as const, ...(recoveryCodes ? { recoveryCodes } : {}) };
    }),
});

const recoveryCodesRouter = createTRPCRouter({
  /** A new set of ten; the old set stops working. */
  regenerate: freshProcedure()
    .output(recoveryCodesOutput)
    .mutation(async ({ ctx }) => ({
      recoveryCodes: await ctx.auth.mfa.regenerateRecoveryCodes(ctx.identity),
    })),
});

export const mfaRouter = createTRPCRouter({
  totp: totpRouter,
  recoveryCodes: recoveryCodesRouter,

  /** The caller's factors; never a secret. */
  factors: signedInProcedure
    .output(
      z.array(
        z.object({
          id: z.string(),
          type: z.enum(["totp", "passkey"]),
          name: z.string(),
          createdAt: z.string(),
          lastUsedAt: z.string().nullable(),
        }),
      ),
    )
    .query(({ ctx }) => ctx.auth.mfa.factors(ctx.identity)),

  /** Removes a factor; every other session of the user ends. */
  remove: freshProcedure()
    .input(z.strictObject({ factorId: z.uuid() }))
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.mfa.remove(ctx.identity, input.factorId, ctx.meta);
      return { ok: true as const };
    }),
});
