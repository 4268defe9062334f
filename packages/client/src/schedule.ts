/**
 * When to refresh. Everything is measured on the device's own clock from the moment a token was
 * received, using the server's `expiresIn`: comparing the device clock with the token's `exp`
 * breaks on devices whose clock is minutes off (a fresh token looks expired, or an expired one
 * looks fresh).
 */

/** The most we refresh ahead of expiry: enough for a slow network, small for long tokens. */
export const MAX_REFRESH_LEAD_MS = 60_000;

/**
 * Delay from now until the scheduled refresh of a token that expires in `remainingMs`: a quarter
 * of the lifetime ahead, at most a minute (15 min → refresh after 14 min; 3 s → after 2.25 s).
 */
export function refreshDelayMs(remainingMs: number): number {
  if (remainingMs <= 0) return 0;
  const lead = Math.min(MAX_REFRESH_LEAD_MS, remainingMs / 4);
  return Math.max(0, Math.floor(remainingMs - lead));
}

/**
 * A token is worth sending while it has some life left: a second, so it does not expire on the
 * way. Below that a request refreshes first instead of collecting a certain 401.
 */
export const MIN_USABLE_MS = 1_000;

export function isUsable(expiresAt: number, now: number): boolean {
  return expiresAt - now > MIN_USABLE_MS;
}
