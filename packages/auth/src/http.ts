import { normalizeEmail } from "@authkit/db";

import { AuthError } from "./errors";
import { sha256 } from "./random";

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(headers: Headers): string | null {
  const value = headers.get("authorization");
  if (!value) return null;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(value);
  return match?.[1] ?? null;
}

export interface CookieOptions {
  /** `Secure` and the `__Secure-` name prefix: on when APP_URL is https. */
  secure: boolean;
  maxAgeSeconds: number;
}

/**
 * Path=/api: the cookies travel only to the endpoints that consume them, never to pages (which
 * would put the refresh token on every page request, and in every page's server logs). That is
 * why they are `__Secure-` and not `__Host-`: `__Host-` requires Path=/. `__Secure-` still
 * guarantees the cookie was set over https, and SameSite=Strict plus the same-origin check keep
 * other sites from using it.
 */
const COOKIE_PATH = "/api";

const prefixed = (name: string, secure: boolean) => (secure ? `__Secure-${name}` : name);

export const refreshCookieName = (secure: boolean) => prefixed("refresh_token", secure);

function serializeCookie(name: string, value: string, { secure, maxAgeSeconds }: CookieOptions) {
  return [
    `${name}=${value}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    "HttpOnly",
    "SameSite=Strict",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export const serializeRefreshCookie = (token: string, options: CookieOptions): string =>
  serializeCookie(refreshCookieName(options.secure), token, options);

export function clearRefreshCookie(secure: boolean): string {
  return serializeRefreshCookie("", { secure, maxAgeSeconds: 0 });
}

function readCookie(headers: Headers, name: string): string | null {
  const header = headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

export const readRefreshCookie = (headers: Headers, secure: boolean): string | null =>
  readCookie(headers, refreshCookieName(secure));

/** A device cookie lives long: it only ever relaxes a lockout, and only for its own account. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 3600;

/** One device cookie per account the browser signed in to, named after the account's hash. */
export const deviceCookieName = (email: string, secure: boolean) =>
  prefixed(`device_${sha256(normalizeEmail(email)).slice(0, 16)}`, secure);

export const readDeviceCookie = (headers: Headers, email: string, secure: boolean) =>
  readCookie(headers, deviceCookieName(email, secure));

export const serializeDeviceCookie = (email: string, token: string, secure: boolean): string =>
  serializeCookie(deviceCookieName(email, secure), token, {
    secure,
    maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_SECONDS,
  });

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
