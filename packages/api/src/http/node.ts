import type { IncomingMessage, ServerResponse } from "node:http";

import { createHTTPHandler } from "@trpc/server/adapters/standalone";

import type { App } from "../app";
import { appRouter } from "../root";
import { createInnerContext } from "../trpc";
import { noteRequestError, trackRequest } from "./log";
import { serveFetchOnNode } from "./fetch-to-node";
import { createFormHandlers, FORM_MAX_BODY_BYTES } from "./forms";
import { responseHeaders } from "./meta";
import { setApiSecurityHeaders } from "./headers";
import {
  createOAuthNodeHandler,
  JWKS_PATH,
  OAUTH_REVOKE_PATH,
  OAUTH_TOKEN_PATH,
  pathnameOf,
} from "./oauth";
import { ticketPreflight } from "./subscriptions";

export const TRPC_PATH = "/api/trpc";

/** Node headers to a Fetch `Headers`, the only request shape the context understands. */
export function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

/** The client's address as a trusted proxy reports it: the first hop of `X-Forwarded-For`. */
export function firstForwardedFor(value: string | string[] | null | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim() || undefined;
}

export function clientIp(req: IncomingMessage, trustProxy: boolean): string | undefined {
  return (
    (trustProxy ? firstForwardedFor(req.headers["x-forwarded-for"]) : undefined) ??
    req.socket.remoteAddress
  );
}

/**
 * The API at tRPC's node-adapter speed: a request listener for `/api/trpc/*` that a plain
 * `node:http` server or a Next.js custom server calls before handing everything else to Next.
 */
export function createNodeApiHandler(app: App) {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_PATH}/`,
    maxBodySize: 1024 * 1024,
    maxBatchSize: 20,
    createContext: ({ req }) =>
      createInnerContext({
        auth: app.auth.service,
        settings: app.settings,
        headers: toHeaders(req),
        clientIp: clientIp(req, app.config.trustProxy),
      }),
    responseMeta: ({ ctx, errors }) => ({ headers: responseHeaders(ctx, errors) }),
    onError: ({ error, req }) => noteRequestError(req, error),
  });
  // /api/auth/token, /api/auth/revoke, /.well-known/jwks.json (checked after tRPC's prefix).
  const oauth = createOAuthNodeHandler(app, {
    clientIp: (req) => clientIp(req, app.config.trustProxy),
  });

  const forms = createFormHandlers(app);

  /** Returns false when the path is not the API's, so the caller can route it elsewhere. */
  return function handleApiRequest(req: IncomingMessage, res: ServerResponse): boolean {
    // One log line per request, whoever ends up answering it (idempotent if the host tracks too).
    trackRequest(app.logger, req, res);
    const url = req.url ?? "/";
    if (url === TRPC_PATH || url.startsWith(`${TRPC_PATH}/`) || url.startsWith(`${TRPC_PATH}?`)) {
      setApiSecurityHeaders(res);
      const preflight = req.method === "GET" ? ticketPreflight(app, url, TRPC_PATH) : null;
      if (!preflight) trpc(req, res);
      else
        void preflight.then((refusal) => {
          if (refusal) res.writeHead(refusal.status, refusal.headers).end(refusal.body);
          else trpc(req, res);
        });
      return true;
    }
    const pathname = pathnameOf(url);
    const form = forms.route(pathname);
    if (form) {
      serveFetchOnNode(req, res, FORM_MAX_BODY_BYTES, (request) =>
        form(request, {
          clientIp: clientIp(req, app.config.trustProxy),
          onError: (error) => noteRequestError(req, error),
        }),
      );
      return true;
    }
    if (pathname === OAUTH_TOKEN_PATH || pathname === OAUTH_REVOKE_PATH || pathname === JWKS_PATH) {
      setApiSecurityHeaders(res);
    }
    return oauth(req, res);
  };
}
