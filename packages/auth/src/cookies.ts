import { normalizeEmail } from "@authkit/db";

import { sha256 } from "./random";

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

/** One device cookie per account the browser signed in to, named after the account's hash. */
export const deviceCookieName = (email: string, secure: boolean) =>
  prefixed(`device_${sha256(normalizeEmail(email)).slice(0, 16)}`, secure);

export const readDeviceCookie = (headers: Headers, email: string, secure: boolean) =>
  readCookie(headers, deviceCookieName(email, secure));

/**
 * A device cookie lives long (DEVICE_COOKIE_MAX_AGE): it only ever relaxes a lockout, and only
 * for its own account. The server refuses it past the same age, whatever the browser kept.
 */
export const serializeDeviceCookie = (
  email: string,
  token: string,
  options: CookieOptions,
): string => serializeCookie(deviceCookieName(email, options.secure), token, options);

/**
 * A sign-in's second step without JavaScript: the form endpoint keeps the challenge in this
 * cookie (never in a URL, which would put it in history and logs) for the second-step page's
 * form to send back. It lives as long as the challenge.
 */
export const loginChallengeCookieName = (secure: boolean) => prefixed("login_challenge", secure);

export const serializeLoginChallengeCookie = (token: string, options: CookieOptions): string =>
  serializeCookie(loginChallengeCookieName(options.secure), token, options);

export const clearLoginChallengeCookie = (secure: boolean): string =>
  serializeLoginChallengeCookie("", { secure, maxAgeSeconds: 0 });

export const readLoginChallengeCookie = (headers: Headers, secure: boolean): string | null =>
  readCookie(headers, loginChallengeCookieName(secure));
