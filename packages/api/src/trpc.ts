/**
 * The tRPC setup of the API, read top to bottom:
 * 1. context: what every procedure receives, built from a `Headers` object only;
 * 2. initialization: the error formatter that flattens zod errors;
 * 3. procedure builders: the public, protected, admin and ticket procedures of packages/auth.
 */
import { initTRPC } from "@trpc/server";
import { ZodError, z } from "zod";

import {
  isAuthError,
  mapAuthErrors,
  type Auth,
  type AuthErrorCode,
  type RequestMeta,
} from "@authkit/auth";
import type { LiveConnection } from "@authkit/auth/trpc";
import * as guards from "@authkit/auth/trpc";

// 1. CONTEXT ---------------------------------------------------------------------------------

export interface ApiSettings {
  /** `Secure` cookies with the `__Secure-` prefix: on when APP_URL is https. */
  secureCookies: boolean;
  /** Origins besides the request's own host allowed to make cookie-authenticated calls. */
  allowedOrigins: readonly string[];
  /** LIVE_TRANSPORT: how the web app's browsers open live streams ("sse" or "ws"). */
  liveTransport: "sse" | "ws";
  /** DEVICE_COOKIE_MAX_AGE, in seconds: the device cookie's Max-Age. */
  deviceCookieMaxAge: number;
}

export interface CreateContextOptions {
  auth: Auth;
  settings: ApiSettings;
  headers: Headers;
  resHeaders?: Headers;
  /** The caller's address after trusted proxies; null when the transport cannot know it. */
  clientIp?: string | null;
  /** The access log's id for this request, carried into security events. */
  requestId?: string;
  /** A WebSocket's session, redeemed from its ticket at the upgrade (http/websocket.ts). */
  connection?: LiveConnection;
}

/** The inner context: everything a procedure needs, testable with `createCaller` and no server. */
export function createInnerContext({
  auth,
  settings,
  headers,
  resHeaders = new Headers(),
  clientIp = null,
  requestId,
  connection,
}: CreateContextOptions) {
  const meta: RequestMeta = {
    userAgent: headers.get("user-agent"),
    clientIp,
    ...(requestId ? { requestId } : {}),
  };
  return { auth, settings, headers, resHeaders, meta, ...(connection ? { connection } : {}) };
}

export type Context = ReturnType<typeof createInnerContext>;

// 2. INITIALIZATION --------------------------------------------------------------------------

/**
 * Whether a code reaches clients as `data.authCode`, from the error table: token failures do
 * not (their 401 says nothing about why; the log line does).
 */
export const EXPOSED_CODES = mapAuthErrors((spec) => spec.exposeCode) satisfies Record<
  AuthErrorCode,
  boolean
>;

const t = initTRPC.context<Context>().create({
  // Server-sent events: a ping keeps proxies from cutting idle streams and lets the client
  // notice a dead connection and reconnect with a fresh ticket.
  sse: {
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 40_000 },
  },
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
    // Never ship stack traces: they can carry internals of a failed token or query.
    const { stack: _stack, ...data } = shape.data;
    // The core's stable code (EMAIL_NOT_VERIFIED, INVALID_TOKEN, LAST_ADMIN…) where the tRPC
    // code alone is ambiguous: clients branch on it, never on the message. Never on a refused
    // token: every such 401 is one body, whatever the cause (a replayed refresh token included).
    const authCode =
      isAuthError(error.cause) && EXPOSED_CODES[error.cause.code] ? error.cause.code : undefined;
    return { ...shape, data: { ...data, zodError, ...(authCode ? { authCode } : {}) } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// 3. PROCEDURES ------------------------------------------------------------------------------

export const publicProcedure = t.procedure.concat(guards.publicProcedure);
export const protectedProcedure = t.procedure.concat(guards.protectedProcedure);
/** Signed in, whatever MFA_REQUIRED_FOR says: for setting up a factor and for signing out. */
export const signedInProcedure = t.procedure.concat(guards.signedInProcedure);
export const adminProcedure = t.procedure.concat(guards.adminProcedure);
/** Protected, and signed in recently (REAUTH_MAX_AGE by default): for changing second factors. */
export const freshProcedure = (maxAgeSeconds?: number) =>
  t.procedure.concat(guards.freshProcedure(maxAgeSeconds));
/** For subscriptions: authenticated by a single-use ticket from `auth.ticket`, watched for revocation. */
export const ticketProcedure = t.procedure.concat(guards.ticketProcedure);
