/**
 * What the OAuth 2.0 endpoints share: reading their form bodies (RFC 6749 §3.2, RFC 7009 §2.1),
 * refusing client authentication (we have no registered clients), and RFC 6749 §5.2 errors,
 * including the one place an AuthError becomes an OAuth error.
 */
import {
  mapAuthErrors,
  type AuthError,
  type AuthErrorCode,
  type AuthErrorSpec,
  type OAuthErrorValue,
} from "@authkit/auth";

/** Form bodies of these endpoints are a few hundred bytes; anything this big is not a client. */
export const OAUTH_MAX_BODY_BYTES = 16 * 1024;

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorValue,
    /** ASCII without quotes or backslashes (RFC 6749 §5.2 `error_description` grammar). */
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = "OAuthError";
  }
}

export const invalidRequest = (description: string) =>
  new OAuthError(400, "invalid_request", description);

/** RFC 6749 §5.1: token responses, and their errors, must never be cached. */
export const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;

export function jsonResponse(
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

export function errorResponse(error: OAuthError): Response {
  return jsonResponse(
    error.status,
    { error: error.error, error_description: error.description },
    error.headers,
  );
}

export function methodNotAllowed(allow: string): Response {
  return jsonResponse(
    405,
    { error: "invalid_request", error_description: `Method not allowed, use ${allow}` },
    { allow },
  );
}

/** Each AuthError code's OAuth answer, from the error table (@authkit/auth, error-table.ts). */
export const OAUTH_ANSWERS = mapAuthErrors((spec): Required<AuthErrorSpec["oauth"]> => ({
  ...spec.oauth,
  description: spec.oauth.description ?? spec.message,
})) satisfies Record<AuthErrorCode, Required<AuthErrorSpec["oauth"]>>;

/** The one place an AuthError becomes an OAuth error; a wait comes with Retry-After. */
export function fromAuthError(error: AuthError): OAuthError {
  const { status, error: code, description } = OAUTH_ANSWERS[error.code];
  const wait = status === 429 || status === 503;
  const seconds = String(Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1)));
  return new OAuthError(status, code, description, wait ? { "retry-after": seconds } : {});
}

/**
 * RFC 6749 §2.3: we have no registered clients, so there is no client to authenticate. A client
 * that tries anyway (HTTP Basic, or a secret in the body) is told so with 401 invalid_client
 * rather than silently trusted; `client_id` alone (a public client naming itself) is accepted,
 * in the body or as Basic with an empty secret, and so is an empty `client_secret`.
 */
export function rejectClientAuthentication(request: Request, params?: URLSearchParams): void {
  const authorization = request.headers.get("authorization");
  const basic =
    !!authorization && /^basic(\s|$)/i.test(authorization) && !publicClientBasic(authorization);
  const secret = params?.get("client_secret");
  if (
    basic ||
    (secret !== null && secret !== undefined && secret !== "") ||
    params?.has("client_assertion")
  ) {
    throw new OAuthError(
      401,
      "invalid_client",
      "Client authentication is not supported, send no credentials",
      basic ? { "www-authenticate": 'Basic realm="token", charset="UTF-8"' } : {},
    );
  }
}

/**
 * HTTP Basic with an empty secret (`client_id:` or just `:`) is a public client naming itself,
 * not authentication: what Swagger UI's "Authorize" sends by default for the password flow.
 */
function publicClientBasic(authorization: string): boolean {
  const encoded = authorization.slice("basic".length).trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return false;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon !== -1 && decoded.slice(colon + 1) === "";
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
      // Stop reading, but do not cancel: cancelling the node bridge's stream destroys the
      // socket, and the client would get a reset instead of our 413.
      if (size > limit) return null;
      chunks.push(value);
    }
  } catch {
    // The node bridge errors its stream past its own maximum body size: same meaning.
    return null;
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks);
}

/**
 * The form of a token or revocation request: POST, `application/x-www-form-urlencoded`, UTF-8,
 * each parameter at most once, and nothing in the query string (credentials in a URL end up in
 * access logs).
 */
export async function readForm(request: Request): Promise<URLSearchParams> {
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
export function optional(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === "" ? undefined : value;
}

export function required(params: URLSearchParams, name: string): string {
  const value = optional(params, name);
  if (value === undefined) throw invalidRequest(`Missing parameter: ${name}`);
  return value;
}
