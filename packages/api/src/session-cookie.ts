import { serializeDeviceCookie, serializeRefreshCookie, type TokenPair } from "@authkit/auth";

import type { ApiSettings } from "./trpc";

/**
 * The cookies of a new or rotated session: the refresh token, and after a password login the
 * device cookie that lets this browser through an attack on the account later. One definition
 * for `auth.login`, `auth.refresh` and the HTML form endpoint, so a form sign-in is the same
 * session a script sign-in is.
 */
export function sessionCookies(
  settings: ApiSettings,
  pair: TokenPair,
  device?: { email: string; token: string },
): string[] {
  const secure = settings.secureCookies;
  return [
    serializeRefreshCookie(pair.refreshToken, { secure, maxAgeSeconds: pair.refreshExpiresIn }),
    ...(device
      ? [
          serializeDeviceCookie(device.email, device.token, {
            secure,
            maxAgeSeconds: settings.deviceCookieMaxAge,
          }),
        ]
      : []),
  ];
}
