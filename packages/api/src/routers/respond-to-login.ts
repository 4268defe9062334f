/**
 * tRPC's responder of the sign-in pipeline: what `auth.login` (and every later way to finish a
 * sign-in over tRPC) answers for a session or a second-factor challenge.
 */
import type { LoginOutcome, TokenPair } from "@authkit/auth";

import { sessionCookies } from "../session-cookie";
import type { Context } from "../trpc";

/** The browser gets the refresh token only as an HttpOnly cookie; the body never carries it. */
export function respondWithSession(
  ctx: Pick<Context, "settings" | "resHeaders">,
  pair: TokenPair,
  device?: { email: string; token: string },
) {
  for (const cookie of sessionCookies(ctx.settings, pair, device))
    ctx.resHeaders.append("set-cookie", cookie);
  ctx.resHeaders.set("cache-control", "no-store");
  return {
    accessToken: pair.accessToken,
    tokenType: pair.tokenType,
    expiresIn: pair.expiresIn,
    user: pair.user,
  };
}

/**
 * A session: tokens and the refresh cookie (plus this account's device cookie). A challenge:
 * nothing that grants access, only what the second step needs.
 */
export function respondToLogin(
  ctx: Pick<Context, "settings" | "resHeaders">,
  outcome: LoginOutcome,
  email: string,
) {
  if (outcome.status === "mfa_required") {
    ctx.resHeaders.set("cache-control", "no-store");
    const { token, methods, expiresIn } = outcome.challenge;
    return { mfaRequired: true as const, challenge: token, methods, expiresIn };
  }
  const { deviceToken, ...pair } = outcome.session;
  const device = { email, token: deviceToken };
  return { mfaRequired: false as const, ...respondWithSession(ctx, pair, device) };
}
