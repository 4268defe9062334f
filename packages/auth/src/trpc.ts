import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { z } from "zod";

import type { Auth } from "./create";
import { AuthError, isAuthError, type AuthErrorCode } from "./errors";
import { bearerToken } from "./http";
import type { SessionWatch } from "./live";

/** What the auth procedures need from any app's context; apps extend it. */
export interface AuthContext {
  auth: Pick<Auth, "authenticate" | "live">;
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
  INVALID_TOKEN: "BAD_REQUEST",
  EMAIL_NOT_VERIFIED: "FORBIDDEN",
  EMAIL_TAKEN: "CONFLICT",
  NOT_FOUND: "NOT_FOUND",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  OVERLOADED: "SERVICE_UNAVAILABLE",
};

/** The one place an auth failure becomes a tRPC error (and so an HTTP status). */
export function toTRPCError(error: AuthError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[error.code], message: error.message, cause: error });
}

const t = initTRPC.context<AuthContext>().create();

/** Every auth procedure maps AuthError, wherever it was thrown below, through `toTRPCError`. */
export const publicProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && isAuthError(result.error.cause)) throw toTRPCError(result.error.cause);
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

/**
 * The guard for subscriptions: `ticketProcedure.input(...).subscription(...)`. It redeems the
 * single-use ticket from the input (from `auth.ticket`; never the access token, which would
 * land in URLs and logs), then keeps watching the session: the moment the session, the user or
 * the token version is revoked, or the session's refresh lifetime ends, the stream ends with
 * UNAUTHORIZED. `ctx.watch.signal` aborts at that moment, with the reason.
 */
export const ticketProcedure = publicProcedure
  .input(z.object({ ticket: z.string().min(1).max(128) }))
  .use(async ({ ctx, input, next }) => {
    const live = await ctx.auth.live.redeemTicket(input.ticket);
    const watch = ctx.auth.live.watch(live);
    const result = await next({ ctx: { user: live.user, session: live.session, watch } });
    if (!result.ok || !isAsyncIterable(result.data)) {
      watch.close();
      return result;
    }
    return { ...result, data: guardStream(result.data, watch) };
  });

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** How long a revoked stream's resolver may take to emit its last event (e.g. "revoked"). */
const FAREWELL_MS = 100;

async function* guardStream<T>(source: AsyncIterable<T>, watch: SessionWatch): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ended = watch.ended.then(() => "ended" as const);
  try {
    for (;;) {
      const pending = iterator.next();
      const first = await Promise.race([pending, ended]);
      if (first === "ended") {
        const last = await Promise.race([
          pending,
          new Promise<null>((r) => setTimeout(() => r(null), FAREWELL_MS)),
        ]);
        if (last && !last.done) yield last.value;
        throw toTRPCError(new AuthError("UNAUTHENTICATED", { reason: "SESSION_ENDED" }));
      }
      if (first.done) return;
      yield first.value;
    }
  } finally {
    watch.close();
    // Not awaited: a resolver stuck on its own promise must not keep this stream's cleanup waiting.
    void iterator.return?.(undefined);
  }
}
