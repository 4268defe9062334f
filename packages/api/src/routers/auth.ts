import { z } from "zod";

import {
  assertSameOrigin,
  bearerToken,
  clearRefreshCookie,
  readDeviceCookie,
  readRefreshCookie,
} from "@authkit/auth";

import {
  changePasswordInput,
  loginInput,
  reauthenticateInput,
  registerInput,
  requestPasswordResetInput,
  resetPasswordInput,
  verifyEmailInput,
  verifyMfaInput,
} from "../schemas";
import { loginOutput, okOutput, registerOutput, sessionOutput, ticketOutput } from "../outputs";
import {
  createTRPCRouter,
  protectedProcedure,
  publicProcedure,
  signedInProcedure,
} from "../trpc";
import { respondToLogin, respondWithSession } from "./respond-to-login";

export const authRouter = createTRPCRouter({
  register: publicProcedure
    .input(registerInput)
    .output(registerOutput)
    .mutation(async ({ ctx, input }) => ({
      user: await ctx.auth.accounts.register(input, ctx.meta),
    })),

  login: publicProcedure
    .input(loginInput)
    .output(loginOutput)
    .mutation(async ({ ctx, input }) => {
      // Login CSRF: a foreign page must not sign this browser into the attacker's account.
      assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
      const outcome = await ctx.auth.sessions.login(
        {
          ...input,
          deviceToken: readDeviceCookie(ctx.headers, input.email, ctx.settings.secureCookies),
        },
        ctx.meta,
      );
      return respondToLogin(ctx, outcome, input.email);
    }),

  /**
   * A sign-in's second step: the challenge from `auth.login` and an authenticator's `code` or a
   * `recoveryCode`. Answers exactly what a login without a factor answers (tokens, cookies).
   */
  verifyMfa: publicProcedure
    .input(verifyMfaInput)
    .output(loginOutput)
    .mutation(async ({ ctx, input }) => {
      assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
      const session = await ctx.auth.mfa.verify(input, ctx.meta);
      return respondToLogin(ctx, { status: "signed_in", session }, session.user.email);
    }),

  /**
   * Step-up: proves who the caller is again (`password`, or `code` for an account with a second
   * factor) and answers an access token with a fresh `auth_time`, for the same session.
   */
  reauthenticate: signedInProcedure
    .input(reauthenticateInput)
    .output(
      z.object({ accessToken: z.string(), tokenType: z.literal("Bearer"), expiresIn: z.number() }),
    )
    .mutation(({ ctx, input }) => ctx.auth.mfa.reauthenticate(ctx.identity, input, ctx.meta)),

  refresh: publicProcedure.output(sessionOutput).mutation(async ({ ctx }) => {
    assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
    const pair = await ctx.auth.sessions.refresh(
      readRefreshCookie(ctx.headers, ctx.settings.secureCookies),
      ctx.meta,
    );
    return respondWithSession(ctx, pair);
  }),

  logout: publicProcedure.output(okOutput).mutation(async ({ ctx }) => {
    assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
    await ctx.auth.sessions.logout(
      {
        refreshToken: readRefreshCookie(ctx.headers, ctx.settings.secureCookies),
        accessToken: bearerToken(ctx.headers),
      },
      ctx.meta,
    );
    ctx.resHeaders.append("set-cookie", clearRefreshCookie(ctx.settings.secureCookies));
    return { ok: true as const };
  }),

  logoutAll: signedInProcedure.output(okOutput).mutation(async ({ ctx }) => {
    await ctx.auth.sessions.logoutAll(ctx.identity, ctx.meta);
    ctx.resHeaders.append("set-cookie", clearRefreshCookie(ctx.settings.secureCookies));
    return { ok: true as const };
  }),

  /**
   * A single-use, 30-second ticket that opens `session.events` (or any ticketProcedure), over
   * SSE or a WebSocket; `transport` is the one this server's web app uses (LIVE_TRANSPORT).
   */
  ticket: signedInProcedure.output(ticketOutput).mutation(async ({ ctx }) => ({
    ...(await ctx.auth.live.issueTicket(ctx.identity)),
    transport: ctx.settings.liveTransport,
  })),

  changePassword: protectedProcedure
    .input(changePasswordInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.accounts.changePassword(ctx.identity, input, ctx.meta);
      return { ok: true as const };
    }),

  /** The same answer whether or not the email has an account; only then does a mail leave. */
  requestPasswordReset: publicProcedure
    .input(requestPasswordResetInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.recovery.request(input.email, ctx.meta);
      return { ok: true as const };
    }),

  /** Every session of the user ends; the person signs in again with the new password. */
  resetPassword: publicProcedure
    .input(resetPasswordInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.recovery.reset(input, ctx.meta);
      return { ok: true as const };
    }),

  verifyEmail: publicProcedure
    .input(verifyEmailInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.verification.verify(input.token, ctx.meta);
      return { ok: true as const };
    }),

  /** The account page's "send it again". */
  resendVerification: signedInProcedure.output(okOutput).mutation(async ({ ctx }) => {
    await ctx.auth.verification.resend(ctx.identity, ctx.meta);
    return { ok: true as const };
  }),

  /** The login page's "send it again" after EMAIL_NOT_VERIFIED: same answer for any email. */
  requestVerificationEmail: publicProcedure
    .input(requestPasswordResetInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.verification.resendByEmail(input.email, ctx.meta);
      return { ok: true as const };
    }),
});
