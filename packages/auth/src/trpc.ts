import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { z } from "zod";

import type { Auth } from "./auth";
import { AuthError, isAuthError, mapAuthErrors, type AuthErrorCode } from "./errors";
import { bearerToken } from "./bearer-token";
import type { LiveIdentity, SessionWatch } from "./live";
import type { SubscriptionSlots } from "./subscription-slots";

export { createSubscriptionSlots, type SubscriptionSlots } from "./subscription-slots";
export type { SessionWatch } from "./live";

/** What the auth procedures need from any app's context; apps extend it. */
export interface AuthContext {
  auth: Pick<Auth, "authenticate" | "assertFresh" | "mfaRequiredFor" | "live">;
  /** Request headers. */
  headers: Headers;
  /** Response headers the procedure may set (the refresh cookie). */
  resHeaders: Headers;
  /**
   * Set on a WebSocket connection: the session its ticket was redeemed for at the upgrade, and
   * the watch that closes the socket when that session dies. Absent over HTTP.
   */
  connection?: LiveConnection;
}

/** A WebSocket connection's identity: the ticket was redeemed once, before any message ran. */
export interface LiveConnection {
  live: LiveIdentity;
  /** The connection's one stream of the session watchers: it alone listens for revocations. */
  watch: SessionWatch;
  /** Its subscriptions' watches, which follow `watch`, up to LIVE_MAX_SOCKET_SUBSCRIPTIONS. */
  subscriptions: SubscriptionSlots;
}

/** Derived from the error table (./error-table): a new code is mapped with it. */
export const TRPC_CODE = mapAuthErrors((spec) => spec.trpc) satisfies Record<
  AuthErrorCode,
  TRPC_ERROR_CODE_KEY
>;

/** The one place an auth failure becomes a tRPC error (and so an HTTP status). */
export function toTRPCError(error: AuthError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[error.code], message: error.message, cause: error });
}

const t = initTRPC.context<AuthContext>().create();

/**
 * Every auth procedure maps AuthError, wherever it was thrown below, through `toTRPCError`.
 * A WebSocket carries subscriptions only: queries and mutations (logins, refreshes, anything
 * that sets a cookie or reads a bearer header) keep the one HTTP path and its checks.
 */
export const publicProcedure = t.procedure.use(async ({ ctx, type, next }) => {
  if (ctx.connection && type !== "subscription")
    throw new TRPCError({ code: "METHOD_NOT_SUPPORTED", message: "Subscriptions only" });
  const result = await next();
  if (!result.ok && isAuthError(result.error.cause)) throw toTRPCError(result.error.cause);
  return result;
});

/**
 * Verifies the bearer token and checks revocation before the resolver runs. The context gains
 * `user`, `session` and `token`, and `identity` (the three together), which is what the core's
 * functions take: a procedure hands the core its caller, never its whole context.
 *
 * Any signed-in user, whatever MFA_REQUIRED_FOR says: only for what a user needs before a second
 * factor is proven (who am I, setting one up, re-authenticating, signing out). Everything else
 * is a `protectedProcedure`.
 */
export const signedInProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const identity = await ctx.auth.authenticate(bearerToken(ctx.headers));
  return next({ ctx: { ...identity, identity } });
});

/**
 * Signed in; under MFA_REQUIRED_FOR=all also with a token earned with a second factor (`mfa` in
 * its `amr`): 403 MFA_REQUIRED otherwise, and the user sets a factor up (or re-authenticates
 * with one) through the `signedInProcedure`s first.
 */
export const protectedProcedure = signedInProcedure.use(({ ctx, next }) => {
  if (ctx.auth.mfaRequiredFor === "all" && !ctx.token.amr.includes("mfa"))
    throw new AuthError("MFA_REQUIRED");
  return next();
});

/**
 * Admins only; under MFA_REQUIRED_FOR=admin (or all) only with a token earned with a second
 * factor (`mfa` in its `amr`): 403 MFA_REQUIRED otherwise, and the admin sets one up (or
 * re-authenticates with a code) first. A user who is not an admin gets FORBIDDEN first.
 */
export const adminProcedure = signedInProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== "admin") throw new AuthError("FORBIDDEN");
  if (ctx.auth.mfaRequiredFor !== "none" && !ctx.token.amr.includes("mfa"))
    throw new AuthError("MFA_REQUIRED");
  return next();
});

/**
 * Signed in, and the caller proved who they are within `maxAgeSeconds` (REAUTH_MAX_AGE by
 * default): 403 REAUTHENTICATION_REQUIRED otherwise, and `auth.reauthenticate` renews it. For
 * what changes how an account is protected: its second factors and recovery codes. It builds on
 * `signedInProcedure`, so MFA_REQUIRED_FOR=all never stands between a user and a first factor.
 */
export const freshProcedure = (maxAgeSeconds?: number) =>
  signedInProcedure.use(({ ctx, next }) => {
    ctx.auth.assertFresh(ctx.identity, maxAgeSeconds);
    return next();
  });

/**
 * The guard for subscriptions: `ticketProcedure.input(...).subscription(...)`. Over HTTP (SSE)
 * it redeems the single-use ticket from the input (from `auth.ticket`; never the access token,
 * which would land in URLs and logs). Over a WebSocket the ticket was redeemed at the upgrade
 * and the input carries none: the subscription runs as the connection's session. Either way it
 * then keeps watching the session: the moment the session, the user or the token version is
 * revoked, or the session's refresh lifetime ends, the stream ends with UNAUTHORIZED.
 * `ctx.watch.signal` aborts at that moment, with the reason.
 *
 * Streams are bounded: over HTTP each one is a stream of the session watchers (TOO_MANY_REQUESTS
 * past the session's or the user's cap), over a WebSocket each subscription takes one of the
 * socket's slots (TOO_MANY_REQUESTS past LIVE_MAX_SOCKET_SUBSCRIPTIONS). Neither costs a
 * bus listener, timer or query of its own: the session's watch is shared.
 */
export const ticketProcedure = publicProcedure
  .input(z.object({ ticket: z.string().min(1).max(128).optional() }))
  .use(async ({ ctx, input, next }) => {
    const { live, watch } = await openStream(ctx, input.ticket);
    const result = await next({ ctx: { user: live.user, session: live.session, watch } });
    if (!result.ok || !isAsyncIterable(result.data)) {
      watch.close();
      return result;
    }
    return { ...result, data: guardStream(result.data, watch) };
  });

async function openStream(
  ctx: AuthContext,
  ticket: string | undefined,
): Promise<{ live: LiveIdentity; watch: SessionWatch }> {
  const { connection } = ctx;
  if (!connection) {
    if (ticket === undefined) throw new AuthError("UNAUTHENTICATED", { reason: "TICKET_INVALID" });
    const live = await ctx.auth.live.redeemTicket(ticket);
    return { live, watch: ctx.auth.live.watch(live) };
  }
  // One connection, one session: a second ticket must not switch it to another one.
  if (ticket !== undefined)
    throw new TRPCError({ code: "BAD_REQUEST", message: "The connection's ticket is used" });
  // Revoked between the upgrade and this call: the socket is closing, nothing more runs on it.
  if (connection.watch.signal.aborted)
    throw new AuthError("UNAUTHENTICATED", { reason: "SESSION_ENDED" });
  return { live: connection.live, watch: connection.subscriptions.open() };
}

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
