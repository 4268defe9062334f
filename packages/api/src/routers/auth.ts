import {
  assertSameOrigin,
  bearerToken,
  clearRefreshCookie,
  readRefreshCookie,
  type TokenPair,
} from "@authkit/auth";

import { changePasswordInput, loginInput, registerInput } from "../schemas";
import { sessionCookie } from "../session-cookie";
import { createTRPCRouter, protectedProcedure, publicProcedure, type Context } from "../trpc";

/** The browser gets the refresh token only as an HttpOnly cookie; the body never carries it. */
function respondWithSession(ctx: Context, pair: TokenPair) {
  ctx.resHeaders.append("set-cookie", sessionCookie(ctx.settings, pair));
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
    user: await ctx.auth.register(input, { clientIp: ctx.clientIp }),
  })),

  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    // Login CSRF: a foreign page must not sign this browser into the attacker's account.
    assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
    const pair = await ctx.auth.login(input, {
      userAgent: ctx.headers.get("user-agent"),
      clientIp: ctx.clientIp,
    });
    return respondWithSession(ctx, pair);
  }),

  refresh: publicProcedure.mutation(async ({ ctx }) => {
    assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
    const pair = await ctx.auth.rotateRefreshToken(
      readRefreshCookie(ctx.headers, ctx.settings.secureCookies),
      {
        clientIp: ctx.clientIp,
      },
    );
    return respondWithSession(ctx, pair);
  }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    assertSameOrigin(ctx.headers, ctx.settings.allowedOrigins);
    await ctx.auth.logout({
      refreshToken: readRefreshCookie(ctx.headers, ctx.settings.secureCookies),
      accessToken: bearerToken(ctx.headers),
    });
    ctx.resHeaders.append("set-cookie", clearRefreshCookie(ctx.settings.secureCookies));
    return { ok: true as const };
  }),

  logoutAll: protectedProcedure.mutation(async ({ ctx }) => {
    await ctx.auth.logoutAll(ctx.user.id);
    ctx.resHeaders.append("set-cookie", clearRefreshCookie(ctx.settings.secureCookies));
    return { ok: true as const };
  }),

  /** A single-use, 30-second ticket that opens `session.events` (or any ticketProcedure). */
  ticket: protectedProcedure.mutation(({ ctx }) => ctx.auth.live.issueTicket(ctx)),

  changePassword: protectedProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    await ctx.auth.changePassword(ctx, input);
    return { ok: true as const };
  }),
});
