import { AuthError } from "./errors";

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
