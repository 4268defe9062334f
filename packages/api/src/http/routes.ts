/**
 * Every HTTP route of the API, in one table (issue 26, §1). `isApiTarget` (which requests the
 * custom server keeps from Next), the Fetch handler's routing (node servers and Next's route
 * handlers alike), the WebSocket upgrade, the `route` label of metrics and the OpenAPI document
 * all read it. Adding a route is one entry here.
 *
 * tRPC's procedures are one entry (`trpc`, a prefix): they are described by the router itself.
 * Every path is matched on the normalised request target (./normalize-target).
 */
import type { z } from "zod";

import type { RequestMeta } from "@authkit/auth";

import { FORM_FORGOT_PASSWORD_PATH, FORM_LOGIN_PATH, FORM_REGISTER_PATH } from "./forms";
import { FORM_RESET_PASSWORD_PATH, FORM_VERIFY_EMAIL_PATH, type FormHandlers } from "./forms";
import { FORM_SECOND_FACTOR_PATH } from "./forms";
import { DOCS_ASSETS, DOCS_PATH, OPENAPI_PATH, type DocsAsset } from "../openapi/docs-page";
import type { OpenApiHandlers } from "../openapi/openapi-handlers";
import { trpcErrorEnvelope } from "../openapi/trpc-errors";
import type { createJwksHandler } from "./jwks";
import { normalizedPathname } from "./normalize-target";
import type { createGrantHandlers } from "./oauth/grants";
import { HEALTH_PATH, METRICS_PATH, READY_PATH, type createProbeHandlers } from "./probes";
import * as schemas from "./route-schemas";

export const TRPC_PATH = "/api/trpc";
export const OAUTH_TOKEN_PATH = "/api/auth/token";
export const OAUTH_REVOKE_PATH = "/api/auth/revoke";
export const JWKS_PATH = "/.well-known/jwks.json";

export type HttpMethod = "GET" | "HEAD" | "POST";

/**
 * What a caller must present. `[]` is a public route. `bearer`: an access token (JWT) in
 * `Authorization`; `refreshCookie`: the HttpOnly refresh cookie; `ticket`: a single-use ticket
 * from `auth.ticket` in the query; `metricsToken`: `Authorization: Bearer $METRICS_TOKEN`;
 * `sameOrigin`: a browser form post, refused from a foreign origin (login CSRF).
 */
export type RouteSecurity = "bearer" | "refreshCookie" | "ticket" | "metricsToken" | "sameOrigin";

/**
 * `http`: a route of the Fetch handler. `trpc`: the tRPC endpoint (a prefix; its procedures
 * are documented from the router). `websocket`: an upgrade, taken before any HTTP handler.
 */
export type RouteKind = "http" | "trpc" | "websocket";

/** What a mount knows about a request besides the request itself. */
export interface ApiCall {
  /** Path and query, normalised (./normalize-target), e.g. `/api/trpc/user.me?input=…`. */
  target: string;
  clientIp: string | null;
  requestId: string;
  /** Notes a failure for the access log line (name and code only). */
  onError: (error: unknown) => void;
}

/** An ApiCall with what the non-tRPC handlers pass to the core. */
export interface RouteCall extends ApiCall {
  meta: RequestMeta;
}

/** The handlers an App provides, built once per Fetch handler (./handler). */
export interface RouteHandlers {
  trpc: (request: Request, call: ApiCall) => Promise<Response>;
  grants: ReturnType<typeof createGrantHandlers>;
  jwks: ReturnType<typeof createJwksHandler>;
  forms: FormHandlers;
  probes: ReturnType<typeof createProbeHandlers>;
  openapi: OpenApiHandlers;
}

/** Null: not this route after all (e.g. /api/metrics without METRICS_TOKEN), a 404. */
export type RouteHandler = (
  handlers: RouteHandlers,
  request: Request,
  call: RouteCall,
) => Response | null | Promise<Response | null>;

export interface RouteResponse {
  description: string;
  /** Absent: no body (a redirect, a 204-like 200). */
  contentType?: string;
  schema?: z.ZodType;
  /** Headers the response carries, by name, with what they mean. */
  headers?: Readonly<Record<string, string>>;
}

export interface HttpRoute {
  kind: RouteKind;
  path: string;
  methods: readonly HttpMethod[];
  summary: string;
  description?: string;
  /** Public: `[]`. Otherwise every listed requirement applies. */
  security: readonly RouteSecurity[];
  /** The request body, for routes that take one. */
  input?: { contentType: string; schema: z.ZodType };
  /** Every status the route answers on purpose, with its body. */
  responses: Readonly<Record<number, RouteResponse>>;
  /** Null for the WebSocket upgrade: ./websocket takes it before any HTTP handler. */
  handler: RouteHandler | null;
}

const FORM_URLENCODED = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

const oauthError = (description: string): RouteResponse => ({
  description,
  contentType: JSON_TYPE,
  schema: schemas.oauthErrorOutput,
});

/** Any method a route does not list (the Fetch handler answers it from the table, with Allow). */
const methodNotAllowed: RouteResponse = {
  description: "Method not allowed (the Allow header lists the route's methods)",
  contentType: JSON_TYPE,
  schema: schemas.oauthErrorOutput,
  headers: { allow: "The route's methods" },
};

/** The answers every form route shares: a redirect, or a plain refusal a browser never sees. */
const formResponses = (success: string): Readonly<Record<number, RouteResponse>> => ({
  303: {
    description: `${success}; on failure back to the page with \`?error=<code>\` (./form-submission)`,
    headers: { location: "Where the browser goes next" },
  },
  403: { description: "Cross-site request", contentType: "text/plain" },
  405: methodNotAllowed,
});

const formRoute = (
  path: string,
  summary: string,
  schema: z.ZodType,
  success: string,
  handler: RouteHandler,
): HttpRoute => ({
  kind: "http",
  path,
  methods: ["POST"],
  summary,
  security: ["sameOrigin"],
  input: { contentType: FORM_URLENCODED, schema },
  responses: formResponses(success),
  handler,
});

const getOnly = (what: string, contentType: string, schema?: z.ZodType) => ({
  200: { description: what, contentType, ...(schema ? { schema } : {}) },
  405: oauthError("Method not allowed (GET only)"),
});

/** A file of the interactive reference (swagger-ui-dist, and the script that starts it). */
const docsAsset = (name: DocsAsset): HttpRoute => ({
  kind: "http",
  path: `${DOCS_PATH}/${name}`,
  methods: ["GET"],
  summary: `The reference page's ${name}`,
  security: [],
  responses: getOnly(
    name,
    name === "init.js" ? "text/javascript" : DOCS_ASSETS[name as "swagger-ui.css"],
  ),
  handler: (h, request) => h.openapi.asset(request, name),
});

/**
 * The table. The key is the route's stable id (the OpenAPI operationId); order does not
 * matter: exact paths are looked up, and `trpc` is the one prefix.
 */
export const ROUTES = {
  trpc: {
    kind: "trpc",
    path: TRPC_PATH,
    methods: ["GET", "POST"],
    summary: "tRPC procedures (queries by GET, mutations by POST, subscriptions as SSE)",
    security: [],
    responses: {},
    handler: (h, request, call) => h.trpc(request, call),
  },
  liveSocket: {
    kind: "websocket",
    path: TRPC_PATH,
    methods: ["GET"],
    summary: "WebSocket upgrade for live subscriptions (`?ticket=` from auth.ticket)",
    description:
      "Refused tickets close the socket with 1008; an unavailable store with 1013 (docs/api.md).",
    security: ["ticket"],
    responses: {
      101: { description: "Switching protocols" },
      404: {
        description: "Not a WebSocket upgrade: tRPC's NOT_FOUND (no procedure named)",
        contentType: JSON_TYPE,
        schema: trpcErrorEnvelope,
      },
    },
    handler: null,
  },
  oauthToken: {
    kind: "http",
    path: OAUTH_TOKEN_PATH,
    methods: ["POST"],
    summary: "OAuth 2.0 token endpoint: password and refresh_token grants (RFC 6749)",
    security: [],
    input: { contentType: FORM_URLENCODED, schema: schemas.tokenInput },
    responses: {
      200: { description: "A token pair", contentType: JSON_TYPE, schema: schemas.tokenOutput },
      400: oauthError("invalid_request, invalid_grant or unsupported_grant_type"),
      401: oauthError("invalid_client: client authentication was sent"),
      403: {
        description: "mfa_required: the account has a second factor (docs/mfa.md)",
        contentType: JSON_TYPE,
        schema: schemas.mfaRequiredOutput,
      },
      405: methodNotAllowed,
      413: oauthError("Body too large"),
      429: oauthError("slow_down, with Retry-After"),
      503: oauthError("temporarily_unavailable, with Retry-After"),
    },
    handler: (h, request, call) => h.grants.token(request, call.meta),
  },
  oauthRevoke: {
    kind: "http",
    path: OAUTH_REVOKE_PATH,
    methods: ["POST"],
    summary: "OAuth 2.0 token revocation (RFC 7009): a refresh or access token",
    security: [],
    input: { contentType: FORM_URLENCODED, schema: schemas.revokeInput },
    responses: {
      200: { description: "Revoked, or was never valid (RFC 7009 §2.2)" },
      400: oauthError("invalid_request"),
      401: oauthError("invalid_client: client authentication was sent"),
      405: methodNotAllowed,
      413: oauthError("Body too large"),
      503: oauthError("temporarily_unavailable, with Retry-After"),
    },
    handler: (h, request, call) => h.grants.revoke(request, call.meta),
  },
  jwks: {
    kind: "http",
    path: JWKS_PATH,
    methods: ["GET", "HEAD"],
    summary: "The public verification keys (RFC 7517); empty with HS256",
    security: [],
    responses: {
      200: { description: "The key set", contentType: JSON_TYPE, schema: schemas.jwksOutput },
      304: { description: "Not modified (If-None-Match)" },
      405: methodNotAllowed,
    },
    handler: (h, request) => h.jwks(request),
  },
  formLogin: formRoute(
    FORM_LOGIN_PATH,
    "Sign-in form without JavaScript",
    schemas.formLoginInput,
    "Signed in (cookies set), to `next`; or to the second-factor page",
    (h, request, call) => h.forms.login(request, call.meta, call.onError),
  ),
  formRegister: formRoute(
    FORM_REGISTER_PATH,
    "Registration form without JavaScript",
    schemas.formRegisterInput,
    "Registered, to /login?registered=1",
    (h, request, call) => h.forms.register(request, call.meta, call.onError),
  ),
  formForgotPassword: formRoute(
    FORM_FORGOT_PASSWORD_PATH,
    "Password reset request form",
    schemas.formForgotPasswordInput,
    "To /forgot-password?sent=1, whether or not the email has an account",
    (h, request, call) => h.forms.forgotPassword(request, call.meta, call.onError),
  ),
  formResetPassword: formRoute(
    FORM_RESET_PASSWORD_PATH,
    "Password reset form (the mailed link's token)",
    schemas.formResetPasswordInput,
    "Password set, to /login?reset=1",
    (h, request, call) => h.forms.resetPassword(request, call.meta, call.onError),
  ),
  formVerifyEmail: formRoute(
    FORM_VERIFY_EMAIL_PATH,
    "Email verification form (the mailed link's token)",
    schemas.formVerifyEmailInput,
    "Verified, to /verify-email?verified=1",
    (h, request, call) => h.forms.verifyEmail(request, call.meta, call.onError),
  ),
  formSecondFactor: formRoute(
    FORM_SECOND_FACTOR_PATH,
    "Second-step form without JavaScript (the login challenge travels in its cookie)",
    schemas.formSecondFactorInput,
    "Signed in (cookies set), to `next`; or back to the second-factor page with the error",
    (h, request, call) => h.forms.secondFactor(request, call.meta, call.onError),
  ),
  health: {
    kind: "http",
    path: HEALTH_PATH,
    methods: ["GET", "HEAD"],
    summary: "Liveness: the process answers (touches nothing)",
    security: [],
    responses: {
      200: { description: "Alive", contentType: JSON_TYPE, schema: schemas.healthOutput },
      405: methodNotAllowed,
    },
    handler: (h) => h.probes.health(),
  },
  ready: {
    kind: "http",
    path: READY_PATH,
    methods: ["GET", "HEAD"],
    summary: "Readiness: every dependency answers and the server is not draining",
    security: [],
    responses: {
      200: { description: "Ready", contentType: JSON_TYPE, schema: schemas.readyOutput },
      503: { description: "Not ready", contentType: JSON_TYPE, schema: schemas.readyOutput },
      405: methodNotAllowed,
    },
    handler: (h) => h.probes.ready(),
  },
  metrics: {
    kind: "http",
    path: METRICS_PATH,
    methods: ["GET"],
    summary: "Prometheus metrics (only with METRICS_TOKEN; otherwise the path does not exist)",
    security: ["metricsToken"],
    responses: {
      200: { description: "Prometheus text format", contentType: "text/plain" },
      401: { description: "Missing or wrong token", contentType: JSON_TYPE },
      404: { description: "METRICS_TOKEN is not set" },
      405: methodNotAllowed,
    },
    handler: (h, request) => h.probes.metrics(request),
  },
  openapiDocument: {
    kind: "http",
    path: OPENAPI_PATH,
    methods: ["GET"],
    summary: "This OpenAPI 3.1 document, generated at start from the schemas and this table",
    security: [],
    responses: getOnly("The document", "application/json", schemas.openApiDocumentOutput),
    handler: (h, request) => h.openapi.document(request),
  },
  docs: {
    kind: "http",
    path: DOCS_PATH,
    methods: ["GET"],
    summary: "Interactive API reference (Swagger UI): Authorize with email and password",
    security: [],
    responses: getOnly("The reference page", "text/html"),
    handler: (h, request) => h.openapi.page(request),
  },
  docsStyles: docsAsset("swagger-ui.css"),
  docsScript: docsAsset("swagger-ui-bundle.js"),
  docsInit: docsAsset("init.js"),
} as const satisfies Record<string, HttpRoute>;

export type RouteId = keyof typeof ROUTES;

/** The table as a list, each entry with its id. */
export const HTTP_ROUTES: readonly (HttpRoute & { id: RouteId })[] = (
  Object.keys(ROUTES) as RouteId[]
).map((id) => ({ id, ...(ROUTES[id] as HttpRoute) }));

const EXACT = new Map<string, HttpRoute & { id: RouteId }>(
  HTTP_ROUTES.filter((route) => route.kind === "http").map((route) => [route.path, route]),
);

/** The exact paths of the table (the `route` label of metrics names nothing else). */
export const API_PATHS: ReadonlySet<string> = new Set(EXACT.keys());

/** The route a normalised pathname belongs to, of the Fetch handler's kinds (http, trpc). */
export function findRoute(pathname: string): (HttpRoute & { id: RouteId }) | undefined {
  if (pathname === TRPC_PATH || pathname.startsWith(`${TRPC_PATH}/`)) {
    return { id: "trpc", ...ROUTES.trpc };
  }
  return EXACT.get(pathname);
}

/** Whether a normalised pathname is the WebSocket upgrade's. */
export function isLiveSocketPath(pathname: string | null): boolean {
  return pathname === ROUTES.liveSocket.path;
}

/**
 * Whether a request target belongs to the API rather than to the pages, whatever its spelling
 * (`/api/./trpc`, `//api/trpc`…): the normalised path is in the table.
 */
export function isApiTarget(target: string): boolean {
  const pathname = normalizedPathname(target);
  return pathname !== null && findRoute(pathname) !== undefined;
}
