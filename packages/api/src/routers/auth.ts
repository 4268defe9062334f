import {
  assertSameOrigin,
  bearerToken,
  clearRefreshCookie,
  readDeviceCookie,
  readRefreshCookie,
  type TokenPair,
} from "@authkit/auth";

import {
  changePasswordInput,
  loginInput,
  registerInput,
  requestPasswordResetInput,
  resetPasswordInput,
  verifyEmailInput,
} from "../schemas";
import { sessionCookies } from "../session-cookie";
import { createTRPCRouter, protectedProcedure, publicProcedure, type Context } from "../trpc";

/** The browser gets the refresh token only as an HttpOnly cookie; the body never carries it. */
function respondWithSession(
  ctx: Context,
  pair: TokenPair,
  device?: { email: string; token: string },
) {
  for (const cookie of sessionCookies(ctx.settings, pair, device))
    ctx.resHeaders.append("set-cookie", cookie);
  ctx.resHeaders.set("cache-control", "no-store");
  return {
    accessToken: pair.accessToken,
    tokenType: pair.tokenType,
    expiresIn: pair.expiresIn,
    user: pair.user,
  };
}

export const authRouter = createTRPCRouter({
  register: publicProcedure.input(registerInput).mutation(async ({ ctx, input }) => ({
    user: await ctx.auth.accounts.register(input, ctx.meta),
  })),

  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    // Login CSRF: a foreign page must not sign this browser into the attacker's account.
    assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
    const { deviceToken, ...pair } = await ctx.auth.sessions.login(
      {
        ...input,
        deviceToken: readDeviceCookie(ctx.headers, input.email, ctx.settings.secureCookies),
      },
      ctx.meta,
    );
    return respondWithSession(ctx, pair, { email: input.email, token: deviceToken });
  }),

  refresh: publicProcedure.mutation(async ({ ctx }) => {
    assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
    const pair = await ctx.auth.sessions.refresh(
      readRefreshCookie(ctx.headers, ctx.settings.secureCookies),
      ctx.meta,
    );
    return respondWithSession(ctx, pair);
  }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
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

  logoutAll: protectedProcedure.mutation(async ({ ctx }) => {
    await ctx.auth.sessions.logoutAll(ctx, ctx.meta);
    ctx.resHeaders.append("set-cookie", clearRefreshCookie(ctx.settings.secureCookies));
    return { ok: true as const };
  }),

  /**
   * A single-use, 30-second ticket that opens `session.events` (or any ticketProcedure), over
   * SSE or a WebSocket; `transport` is the one this server's web app uses (LIVE_TRANSPORT).
   */
  ticket: protectedProcedure.mutation(async ({ ctx }) => ({
    ...(await ctx.auth.live.issueTicket(ctx)),
    transport: ctx.settings.liveTransport,
  })),

  changePassword: protectedProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    await ctx.auth.accounts.changePassword(ctx, input, ctx.meta);
    return { ok: true as const };
  }),

  /** The same answer whether or not the email has an account; only then does a mail leave. */
  requestPasswordReset: publicProcedure
    .input(requestPasswordResetInput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.recovery.request(input.email, ctx.meta);
      return { ok: true as const };
    }),

  /** Every session of the user ends; the person signs in again with the new password. */
  resetPassword: publicProcedure.input(resetPasswordInput).mutation(async ({ ctx, input }) => {
    await ctx.auth.recovery.reset(input, ctx.meta);
    return { ok: true as const };
  }),

  verifyEmail: publicProcedure.input(verifyEmailInput).mutation(async ({ ctx, input }) => {
    await ctx.auth.verification.verify(input.token, ctx.meta);
    return { ok: true as const };
  }),

  /** The account page's "send it again". */
  resendVerification: protectedProcedure.mutation(async ({ ctx }) => {
    await ctx.auth.verification.resend(ctx, ctx.meta);
    return { ok: true as const };
  }),

  /** The login page's "send it again" after EMAIL_NOT_VERIFIED: same answer for any email. */
  requestVerificationEmail: publicProcedure
    .input(requestPasswordResetInput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.verification.resendByEmail(input.email, ctx.meta);
      return { ok: true as const };
    }),
});
