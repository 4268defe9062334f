import { serializeRefreshCookie, type TokenPair } from "@authkit/auth";

import type { ApiSettings } from "./trpc";

/**
 * The refresh cookie of a new or rotated session. One definition for `auth.login`,
 * `auth.refresh` and the HTML form endpoint, so a form sign-in is the same session a
 * script sign-in is.
 */
export function sessionCookie(settings: ApiSettings, pair: TokenPair): string {
  return serializeRefreshCookie(pair.refreshToken, {
    secure: settings.secureCookies,
    maxAgeSeconds: pair.refreshExpiresIn,
  });
}
