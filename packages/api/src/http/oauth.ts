/**
 * The standard HTTP surface for non-browser clients (docs/api.md: HTTP endpoints besides tRPC):
 *
 * - `POST /api/auth/token`   OAuth 2.0 token endpoint (RFC 6749 §4.3 password, §6 refresh_token);
 * - `POST /api/auth/revoke`  token revocation (RFC 7009), refresh or access token;
 * - `GET /.well-known/jwks.json`  the public verification keys (RFC 7517).
 *
 * Written once against Fetch `Request`/`Response`; the node mount (createNodeApiHandler), the
 * fetch mount (createFetchApiHandler) and the Next route handlers all call these functions.
 * Every rule about tokens (rotation, reuse detection, revocation) lives in AuthService: these
 * are thin shells that only translate HTTP forms and RFC error codes.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";

import {
  type AuthError,
  isAuthError,
  type AuthService,
  type KeySet,
  type TokenPair,
} from "@authkit/auth";
import { writeFetchResponse } from "./fetch-to-node";

export const OAUTH_TOKEN_PATH = "/api/auth/token";
export const OAUTH_REVOKE_PATH = "/api/auth/revoke";
export const JWKS_PATH = "/.well-known/jwks.json";

/** Form bodies of these endpoints are a few hundred bytes; anything this big is not a client. */
export const OAUTH_MAX_BODY_BYTES = 16 * 1024;
/** How long verifiers may cache the key set; rotation must keep the old key listed this long. */
export const JWKS_MAX_AGE_SECONDS = 300;

/** The same bounds as the tRPC login input (email ≤ 254, password ≤ 256). */
const MAX_USERNAME_LENGTH = 254;
const MAX_PASSWORD_LENGTH = 256;

/** What the endpoints need from an App; an App satisfies it, and so does a test double. */
export interface OAuthDeps {
  auth: {
    service: Pick<
      AuthService,
      "login" | "rotateRefreshToken" | "revokeAccessToken" | "revokeRefreshToken"
    >;
    keys: Pick<KeySet, "jwks">;
  };
}

export interface OAuthRequestInfo {
  /** The caller's address (after any trusted proxy), for per-client limits. */
  clientIp?: string | undefined;
}

export type OAuthHandler = (request: Request, info?: OAuthRequestInfo) => Promise<Response>;

export interface OAuthHandlers {
  token: OAuthHandler;
  revoke: OAuthHandler;
  jwks: OAuthHandler;
  /** The handler for a request path (no query string), or undefined if the path is not ours. */
  route(pathname: string): OAuthHandler | undefined;
}

export interface OAuthOptions {
  /** Called with unexpected (non-AuthError) failures, which answer 500 server_error. */
  onError?: (error: unknown) => void;
}

/** RFC 6749 §5.2 error codes, plus the two transport conditions every client must handle. */
type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unsupported_grant_type"
  | "slow_down"
  | "temporarily_unavailable"
  | "server_error";

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    /** ASCII without quotes or backslashes (RFC 6749 §5.2 `error_description` grammar). */
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = "OAuthError";
  }
}

const invalidRequest = (description: string) => new OAuthError(400, "invalid_request", description);

/** RFC 6749 §5.1: token responses, and their errors, must never be cached. */
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;

function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json;charset=UTF-8",
      "x-content-type-options": "nosniff",
      ...NO_STORE,
      ...headers,
    },
  });
}

function errorResponse(error: OAuthError): Response {
  return jsonResponse(
    error.status,
    { error: error.error, error_description: error.description },
    error.headers,
  );
}

/** AuthError codes the endpoints can meet, in the one place they become OAuth errors. */
function fromAuthError(
  error: AuthError,
  grant: "password" | "refresh_token" | "revoke",
): OAuthError {
  switch (error.code) {
    case "INVALID_CREDENTIALS":
      return new OAuthError(400, "invalid_grant", "Invalid email or password");
    case "UNAUTHENTICATED":
    case "REFRESH_TOKEN_REUSED":
      // One answer for unknown, expired, revoked and replayed tokens: a replay tells the caller
      // nothing more than "this token is no good" (the family has been revoked all the same).
      return grant === "password"
        ? new OAuthError(400, "invalid_grant", "Invalid email or password")
        : new OAuthError(400, "invalid_grant", "Invalid refresh token");
    case "RATE_LIMITED": {
      const seconds = Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1));
      return new OAuthError(429, "slow_down", "Too many attempts, try again later", {
        "retry-after": String(seconds),
      });
    }
    case "UNAVAILABLE":
      return new OAuthError(503, "temporarily_unavailable", "Service temporarily unavailable", {
        "retry-after": "1",
      });
    default:
      return new OAuthError(500, "server_error", "Internal server error");
  }
}

function methodNotAllowed(allow: string): Response {
  return jsonResponse(
    405,
    { error: "invalid_request", error_description: `Method not allowed, use ${allow}` },
    { allow },
  );
}

/**
 * RFC 6749 §2.3: we have no registered clients, so there is no client to authenticate. A client
 * that tries anyway (HTTP Basic, or a secret in the body) is told so with 401 invalid_client
 * rather than silently trusted; `client_id` alone (a public client naming itself) is accepted.
 */
function rejectClientAuthentication(request: Request): void {
  const authorization = request.headers.get("authorization");
  if (authorization && /^basic(\s|$)/i.test(authorization)) {
    throw new OAuthError(
      401,
      "invalid_client",
      "Client authentication is not supported, send no credentials",
      {
        "www-authenticate": 'Basic realm="token", charset="UTF-8"',
      },
    );
  }
}

function rejectClientSecret(params: URLSearchParams): void {
  if (params.has("client_secret") || params.has("client_assertion")) {
    throw new OAuthError(
      401,
      "invalid_client",
      "Client authentication is not supported, send no credentials",
    );
  }
}

/** Reads the whole body up to `limit` bytes; null when it is larger. */
export async function readBody(request: Request, limit: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Stop reading, but do not cancel: cancelling the node adapter's stream destroys the
      // socket, and the client would get a reset instead of our 413.
      if (size > limit) return null;
      chunks.push(value);
    }
  } catch {
    // The node adapter errors its stream past its own maxBodySize: same meaning.
    return null;
  } finally {
    reader.releaseLock();
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * The form of a token or revocation request (RFC 6749 §3.2, RFC 7009 §2.1): POST,
 * `application/x-www-form-urlencoded`, UTF-8, each parameter at most once, and nothing in the
 * query string (credentials in a URL end up in access logs).
 */
async function readForm(request: Request): Promise<URLSearchParams> {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/x-www-form-urlencoded") {
    throw invalidRequest("Content-Type must be application/x-www-form-urlencoded");
  }
  if (new URL(request.url).search.length > 1) {
    throw invalidRequest("Parameters must be sent in the request body, not the URL");
  }
  const tooLarge = new OAuthError(
    413,
    "invalid_request",
    `Request body exceeds ${OAUTH_MAX_BODY_BYTES} bytes`,
  );
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > OAUTH_MAX_BODY_BYTES) throw tooLarge;
  const bytes = await readBody(request, OAUTH_MAX_BODY_BYTES);
  if (!bytes) throw tooLarge;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalidRequest("Request body is not valid UTF-8");
  }
  const params = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) throw invalidRequest(`Parameter ${printable(name)} is repeated`);
    seen.add(name);
  }
  return params;
}

/** A parameter name safe to echo in `error_description`. */
const printable = (name: string) => name.replace(/[^\w.-]/g, "?").slice(0, 40);

/** RFC 6749 §3.1: a parameter sent without a value is treated as omitted. */
function optional(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === "" ? undefined : value;
}

function required(params: URLSearchParams, name: string): string {
  const value = optional(params, name);
  if (value === undefined) throw invalidRequest(`Missing parameter: ${name}`);
  return value;
}

/** Compact JWS shape: what an access token looks like; everything else is a refresh token. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

function tokenResponse(pair: TokenPair): Response {
  return jsonResponse(200, {
    access_token: pair.accessToken,
    token_type: "bearer",
    expires_in: pair.expiresIn,
    refresh_token: pair.refreshToken,
  });
}

export function createOAuthHandlers(
  deps: OAuthDeps,
  { onError = logUnexpected }: OAuthOptions = {},
): OAuthHandlers {
  const { service, keys } = deps.auth;

  const fail = (error: unknown, grant: "password" | "refresh_token" | "revoke"): Response => {
    if (error instanceof OAuthError) return errorResponse(error);
    if (isAuthError(error)) {
      const mapped = fromAuthError(error, grant);
      if (mapped.status === 500) onError(error);
      return errorResponse(mapped);
    }
    onError(error);
    return errorResponse(new OAuthError(500, "server_error", "Internal server error"));
  };

  const token: OAuthHandler = async (request, info) => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    // Sessions record the user agent; the rate limits count per client address.
    const meta = { userAgent: request.headers.get("user-agent"), clientIp: info?.clientIp };
    let grant: "password" | "refresh_token" = "password";
    try {
      rejectClientAuthentication(request);
      const params = await readForm(request);
      rejectClientSecret(params);
      const grantType = required(params, "grant_type");
      if (grantType === "password") {
        const username = required(params, "username");
        const password = required(params, "password");
        if (username.length > MAX_USERNAME_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
          throw invalidRequest("username or password is too long");
        }
        return tokenResponse(await service.login({ email: username, password }, meta));
      }
      if (grantType === "refresh_token") {
        grant = "refresh_token";
        return tokenResponse(
          await service.rotateRefreshToken(required(params, "refresh_token"), meta),
        );
      }
      throw new OAuthError(
        400,
        "unsupported_grant_type",
        "Supported grant types: password, refresh_token",
      );
    } catch (error) {
      return fail(error, grant);
    }
  };

  const revoke: OAuthHandler = async (request) => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    try {
      rejectClientAuthentication(request);
      const params = await readForm(request);
      rejectClientSecret(params);
      const value = required(params, "token");
      // `token_type_hint` is only an optimisation (RFC 7009 §2.1): the token's shape decides,
      // which is the same as searching every type. Unknown or invalid tokens answer 200 too.
      if (JWT_SHAPE.test(value)) await service.revokeAccessToken(value);
      else await service.revokeRefreshToken(value);
      return new Response(null, { status: 200, headers: { ...NO_STORE } });
    } catch (error) {
      return fail(error, "revoke");
    }
  };

  // The key set is fixed for the life of the process: serialise it once.
  const jwksBody = JSON.stringify({ keys: keys.jwks.keys });
  const jwksEtag = `"${createHash("sha256").update(jwksBody).digest("base64url").slice(0, 27)}"`;
  const jwksHeaders = {
    "cache-control": `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
    etag: jwksEtag,
    "access-control-allow-origin": "*",
    "x-content-type-options": "nosniff",
  };

  const jwks: OAuthHandler = (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return Promise.resolve(methodNotAllowed("GET, HEAD"));
    }
    const ifNoneMatch = request.headers.get("if-none-match");
    if (
      ifNoneMatch &&
      ifNoneMatch
        .split(",")
        .some((tag) => tag.trim().replace(/^W\//, "") === jwksEtag || tag.trim() === "*")
    ) {
      return Promise.resolve(new Response(null, { status: 304, headers: jwksHeaders }));
    }
    return Promise.resolve(
      new Response(request.method === "HEAD" ? null : jwksBody, {
        status: 200,
        headers: { "content-type": "application/json", ...jwksHeaders },
      }),
    );
  };

  const routes = new Map<string, OAuthHandler>([
    [OAUTH_TOKEN_PATH, token],
    [OAUTH_REVOKE_PATH, revoke],
    [JWKS_PATH, jwks],
  ]);
  return { token, revoke, jwks, route: (pathname) => routes.get(pathname) };
}

function logUnexpected(error: unknown): void {
  // Name and message only: never a request body (it holds passwords and refresh tokens).
  const text = error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
  console.error(`[oauth] unexpected error: ${text}`);
}

/** The path of a request target (`/a/b?x` → `/a/b`). */
export function pathnameOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The endpoints on a node server: a request listener that answers their paths and returns false
 * for every other path. These endpoints see little traffic, so they go through Fetch objects.
 */
export function createOAuthNodeHandler(
  deps: OAuthDeps,
  {
    clientIp,
    ...options
  }: OAuthOptions & { clientIp?: (req: IncomingMessage) => string | undefined } = {},
) {
  const handlers = createOAuthHandlers(deps, options);
  return function handleOAuthRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const handler = handlers.route(pathnameOf(req.url ?? "/"));
    if (!handler) return false;
    void (async () => {
      let response: Response;
      try {
        // The adapter errors the body stream past this size; readForm turns that into a 413.
        const request = incomingMessageToRequest(req, res, { maxBodySize: OAUTH_MAX_BODY_BYTES });
        response = await handler(request, { clientIp: clientIp?.(req) });
      } catch {
        // Only a request Node accepted but Fetch cannot represent (e.g. a bad Host header).
        response = jsonResponse(400, {
          error: "invalid_request",
          error_description: "Malformed request",
        });
      }
      await writeFetchResponse(res, response);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    return true;
  };
}
