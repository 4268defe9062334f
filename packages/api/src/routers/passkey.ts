/**
 * Passkeys (docs/passkeys.md). Adding and removing one is a fresh procedure (a recent proof of
 * who the caller is); signing in with one is public and answers exactly what `auth.login`
 * answers, through the same responder: tokens, the refresh cookie and the device cookie.
 */
import { assertSameOrigin } from "@authkit/auth";
import { z } from "zod";

import {
  authenticationResponse,
  creationOptions,
  loginChallenge,
  passkeyName,
  passkeyView,
  registrationResponse,
  requestOptions,
  signedIn,
} from "../passkey-schemas";
import {
  createTRPCRouter,
  freshProcedure,
  protectedProcedure,
  publicProcedure,
  signedInProcedure,
} from "../trpc";
import { respondToLogin } from "./respond-to-login";

const ok = z.object({ ok: z.literal(true) });

export const passkeyRouter = createTRPCRouter({
  /** `PublicKeyCredentialCreationOptionsJSON` for `navigator.credentials.create()`. */
  registrationOptions: freshProcedure()
    .output(creationOptions)
    .mutation(({ ctx }) => ctx.auth.passkeys.registrationOptions(ctx.identity, ctx.meta)),

  /**
   * Stores the new passkey; every other session of the user ends. The account's first factor
   * comes with its recovery codes (shown once), as for TOTP.
   */
  register: freshProcedure()
    .input(z.strictObject({ response: registrationResponse, name: passkeyName.optional() }))
    .output(z.object({ passkey: passkeyView, recoveryCodes: z.array(z.string()).nullable() }))
    .mutation(({ ctx, input }) => ctx.auth.passkeys.register(ctx.identity, input, ctx.meta)),

  list: signedInProcedure
    .output(z.array(passkeyView))
    .query(({ ctx }) => ctx.auth.passkeys.list(ctx.identity)),

  rename: protectedProcedure
    .input(z.strictObject({ id: z.uuid(), name: passkeyName }))
    .output(passkeyView)
    .mutation(({ ctx, input }) => ctx.auth.passkeys.rename(ctx.identity, input)),

  /** FACTOR_REQUIRED when it is the last factor MFA_REQUIRED_FOR asks this user to keep. */
  remove: freshProcedure()
    .input(z.strictObject({ id: z.uuid() }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.passkeys.remove(ctx.identity, input.id, ctx.meta);
      return { ok: true as const };
    }),

  /**
   * `{}`: options for a passwordless sign-in (discoverable passkeys, conditional UI);
   * `{ challenge }`: for the second step of the sign-in `auth.login` answered with it.
   */
  authenticationOptions: publicProcedure
    .input(z.strictObject({ challenge: loginChallenge.optional() }))
    .output(requestOptions)
    .mutation(({ ctx, input }) => {
      assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
      return ctx.auth.passkeys.authenticationOptions(input.challenge, ctx.meta);
    }),

  /** Signs in (or finishes a sign-in's second step) with a passkey: what a login answers. */
  authenticate: publicProcedure
    .input(
      z.strictObject({ response: authenticationResponse, challenge: loginChallenge.optional() }),
    )
    .output(signedIn)
    .mutation(async ({ ctx, input }) => {
      // Login CSRF, as for `auth.login`.
      assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
      const { session, email } = await ctx.auth.passkeys.authenticate(input, ctx.meta);
      const answer = respondToLogin(ctx, { status: "signed_in", session }, email);
      if (answer.mfaRequired) throw new Error("unreachable: a passkey sign-in is a session");
      return answer;
    }),

  /** Options for `auth.reauthenticate({ passkey })`: the signed-in user's passkeys. */
  reauthenticationOptions: signedInProcedure
    .output(requestOptions)
    .mutation(({ ctx }) => ctx.auth.passkeys.reauthenticationOptions(ctx.identity, ctx.meta)),
});
