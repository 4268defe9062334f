/**
 * The tRPC setup of the API, read top to bottom:
 * 1. context: what every procedure receives, built from a `Headers` object only;
 * 2. initialization: the error formatter that flattens zod errors;
 * 3. procedure builders: the public, protected and admin procedures of packages/auth.
 */
import { initTRPC } from "@trpc/server";
import { ZodError, z } from "zod";

import * as authProcedures from "@authkit/auth";
import type { AuthService } from "@authkit/auth";

// 1. CONTEXT ---------------------------------------------------------------------------------

export interface ApiSettings {
  /** Secure cookies (production). */
  secureCookies: boolean;
  /** Origins besides the request's own host allowed to make cookie-authenticated calls. */
  allowedOrigins: readonly string[];
}

export interface CreateContextOptions {
  auth: AuthService;
  settings: ApiSettings;
  headers: Headers;
  resHeaders?: Headers;
  /** The caller's address as the transport saw it (after any trusted proxy). */
  clientIp?: string | undefined;
}

/** The inner context: everything a procedure needs, testable with `createCaller` and no server. */
export function createInnerContext({
  auth,
  settings,
  headers,
  resHeaders = new Headers(),
  clientIp,
}: CreateContextOptions) {
  return { auth, settings, headers, resHeaders, clientIp: clientIp ?? "unknown" };
}

export type Context = ReturnType<typeof createInnerContext>;

// 2. INITIALIZATION --------------------------------------------------------------------------

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
    return { ...shape, data: { ...data, zodError } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// 3. PROCEDURES ------------------------------------------------------------------------------

export const publicProcedure = t.procedure.concat(authProcedures.publicProcedure);
export const protectedProcedure = t.procedure.concat(authProcedures.protectedProcedure);
export const adminProcedure = t.procedure.concat(authProcedures.adminProcedure);
/** For subscriptions: authenticated by a single-use ticket from `auth.ticket`, watched for revocation. */
export const ticketProcedure = t.procedure.concat(authProcedures.ticketProcedure);
