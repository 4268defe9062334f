import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";

import { AuthError, type AuthErrorCode } from "./errors";
import { bearerToken } from "./http";
import type { AuthService } from "./service";

/** What the auth procedures need from any app's context; apps extend it. */
export interface AuthContext {
  auth: AuthService;
  /** Request headers. */
  headers: Headers;
  /** Response headers the procedure may set (the refresh cookie). */
  resHeaders: Headers;
}

const TRPC_CODE: Record<AuthErrorCode, TRPC_ERROR_CODE_KEY> = {
  UNAUTHENTICATED: "UNAUTHORIZED",
  INVALID_CREDENTIALS: "UNAUTHORIZED",
  REFRESH_TOKEN_REUSED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  CROSS_SITE_REQUEST: "FORBIDDEN",
  WRONG_PASSWORD: "BAD_REQUEST",
  LAST_ADMIN: "CONFLICT",
  EMAIL_TAKEN: "CONFLICT",
  NOT_FOUND: "NOT_FOUND",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

/** The one place an auth failure becomes a tRPC error (and so an HTTP status). */
export function toTRPCError(error: AuthError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[error.code], message: error.message, cause: error });
}

const t = initTRPC.context<AuthContext>().create();

/** Every auth procedure maps AuthError, wherever it was thrown below, through `toTRPCError`. */
export const publicProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AuthError) throw toTRPCError(result.error.cause);
  return result;
});

/** Verifies the bearer token and checks revocation before the resolver runs. */
export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const identity = await ctx.auth.authenticate(bearerToken(ctx.headers));
  return next({ ctx: identity });
});

export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== "admin") throw new AuthError("FORBIDDEN");
  return next();
});
