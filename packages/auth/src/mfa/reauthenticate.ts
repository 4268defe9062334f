/**
 * Step-up: the signed-in person proves who they are again, for the current session, and gets an
 * access token with a fresh `auth_time`. The session keeps the new time and methods, so refreshes
 * carry them (they never renew them). An account with a second factor proves it with a code: a
 * password alone (perhaps phished along with the token) must not unlock changing the factors.
 * Wrong answers count like failed logins, per account and per address.
 */
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";

import type { AuthenticationMethod, Role } from "../access-token";
import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { sha256 } from "../random";
import { addressHit, hitOf } from "../rate-limit/gate";
import { passkeyReauthentication } from "../passkeys/passkey-second-factor";
import type { VerifyAssertionDeps } from "../passkeys/verify-assertion";
import type { Identity, RequestMeta } from "../types";
import { useTotpCode, type UseTotpDeps } from "./use-totp-code";

export type ReauthProof =
  | { password: string }
  | { code: string }
  /** An assertion for `passkey.reauthenticationOptions`' challenge (bound to this session). */
  | { passkey: AuthenticationResponseJSON };

export interface FreshAccessToken {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

export type ReauthenticateDeps = UseTotpDeps &
  VerifyAssertionDeps &
  Pick<Core, "tokens" | "random" | "passwords" | "limits" | "gate" | "events">;

export async function reauthenticate(
  deps: ReauthenticateDeps,
  identity: Pick<Identity, "user" | "session">,
  proof: ReauthProof,
  meta: RequestMeta = {},
): Promise<FreshAccessToken> {
  const userId = identity.user.id;
  const { prisma } = deps.db;
  const [user, factors] = await orUnavailable(() =>
    Promise.all([
      prisma.user.findUnique({
        where: { id: userId },
        select: { email: true, passwordHash: true },
      }),
      prisma.mfaFactor.count({ where: { userId, confirmedAt: { not: null } } }),
    ]),
  );
  if (!user) throw new AuthError("UNAUTHENTICATED");
  if ("password" in proof && factors > 0) throw new AuthError("MFA_REQUIRED");
  const taken = await deps.gate.take([
    addressHit(deps.limits.loginIp, meta.clientIp),
    hitOf(deps.limits.loginAccount, "password" in proof ? sha256(user.email) : `mfa:${userId}`),
  ]);
  const added =
    "passkey" in proof
      ? await passkeyReauthentication(deps, identity, proof.passkey, meta)
      : await prove(deps, { userId, passwordHash: user.passwordHash }, proof);
  if (!added) {
    const byPassword = "password" in proof;
    deps.events({
      event: byPassword ? "login.failed" : "mfa.challenge_failed",
      userId,
      reason: byPassword ? "reauth_wrong_password" : "reauth_wrong_code",
      ...eventMeta(meta),
    });
    throw new AuthError(
      byPassword ? "WRONG_PASSWORD" : "passkey" in proof ? "PASSKEY_REJECTED" : "MFA_CODE_INVALID",
    );
  }
  await deps.gate.giveBack(taken);
  const token = await renewSession(deps, identity, added);
  deps.events({
    event: "reauthenticated",
    userId,
    sessionId: identity.session.id,
    reason: "password" in proof ? "pwd" : "passkey" in proof ? "passkey" : "otp",
    ...eventMeta(meta),
  });
  return token;
}

/** The methods a right proof adds, or null. */
async function prove(
  deps: UseTotpDeps & Pick<Core, "passwords">,
  user: { userId: string; passwordHash: string },
  proof: Exclude<ReauthProof, { passkey: unknown }>,
): Promise<AuthenticationMethod[] | null> {
  if ("password" in proof)
    return (await deps.passwords.verify(user.passwordHash, proof.password)).ok ? ["pwd"] : null;
  const factorId = await useTotpCode(deps, user.userId, proof.code, { confirmed: true });
  return factorId ? ["otp", "mfa"] : null;
}

/** Stores the new authentication on the live session and signs its access token. */
async function renewSession(
  deps: Pick<Core, "db" | "clock" | "tokens" | "random">,
  identity: Pick<Identity, "user" | "session">,
  added: AuthenticationMethod[],
): Promise<FreshAccessToken> {
  const at = now(deps);
  const [row] = await orUnavailable(
    () =>
      deps.db.prisma.$queryRaw<{ amr: AuthenticationMethod[]; role: Role; ver: number }[]>`
      UPDATE sessions s SET auth_time = ${at},
        amr = ARRAY(SELECT DISTINCT m FROM unnest(s.amr || ${added}::text[]) AS m ORDER BY m)
      FROM users u
      WHERE s.id = ${identity.session.id}::uuid AND s.user_id = ${identity.user.id}::uuid
        AND u.id = s.user_id AND s.revoked_at IS NULL AND s.expires_at > ${at}
        AND u.disabled_at IS NULL
      RETURNING s.amr, u.role::text AS role, u.token_version AS ver`,
  );
  if (!row) throw new AuthError("UNAUTHENTICATED");
  const { token } = await deps.tokens.sign({
    sub: identity.user.id,
    jti: deps.random.uuid(),
    sid: identity.session.id,
    role: row.role,
    ver: row.ver,
    auth_time: Math.floor(at.getTime() / 1000),
    amr: row.amr,
  });
  return { accessToken: token, tokenType: "Bearer", expiresIn: deps.tokens.ttlSeconds };
}
