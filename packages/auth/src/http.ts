import { AuthError } from "./errors";

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(headers: Headers): string | null {
  const value = headers.get("authorization");
  if (!value) return null;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(value);
  return match?.[1] ?? null;
}

export interface RefreshCookieOptions {
  /** `Secure` and the `__Secure-` name prefix: on in production. */
  secure: boolean;
  maxAgeSeconds: number;
}

/** Path=/api: the cookie travels only to the endpoints that consume it, never to pages. */
const COOKIE_PATH = "/api";

export const refreshCookieName = (secure: boolean) =>
  secure ? "__Secure-refresh_token" : "refresh_token";

export function serializeRefreshCookie(
  token: string,
  { secure, maxAgeSeconds }: RefreshCookieOptions,
): string {
  return [
    `${refreshCookieName(secure)}=${token}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    "HttpOnly",
    "SameSite=Strict",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearRefreshCookie(secure: boolean): string {
  return serializeRefreshCookie("", { secure, maxAgeSeconds: 0 });
}

export function readRefreshCookie(headers: Headers, secure: boolean): string | null {
  const header = headers.get("cookie");
  if (!header) return null;
  const name = refreshCookieName(secure);
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * Cookie-authenticated mutations refuse cross-site callers, on top of SameSite=Strict: a browser
 * says where a request comes from in `Sec-Fetch-Site` (or at least `Origin`). Clients that send
 * neither are not browsers and cannot ride a victim's cookie.
 */
export function assertSameOrigin(headers: Headers, allowedOrigins: readonly string[]): void {
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw new AuthError("CROSS_SITE_REQUEST");
  const origin = headers.get("origin");
  if (!origin) return;
  // Only the Host header: X-Forwarded-Host is the caller's to set. Behind a proxy that rewrites
  // Host, the public origin comes in through `allowedOrigins` (APP_URL).
  const host = headers.get("host");
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new AuthError("CROSS_SITE_REQUEST");
  }
  if (originHost !== host && !allowedOrigins.includes(origin))
    throw new AuthError("CROSS_SITE_REQUEST");
}
