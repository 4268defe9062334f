/**
 * The second step of the sign-in pipeline, whatever the factor: the challenge is checked, the
 * factor's verifier runs under the same limits as a password (per account, or per device for a
 * browser that signed in before, and per address), and the session starts only when both the
 * factor and the single use of the challenge succeed. Every second step (a TOTP code, a recovery
 * code, a passkey) on every entry point (tRPC, forms, the OAuth MFA grants) comes through here.
 */
import { credentialUserSelect } from "@authkit/db";

import type { AuthenticationMethod } from "../access-token";
import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { sha256 } from "../random";
import { addressHit, hitOf } from "../rate-limit/gate";
import { accountKey, type ProvenPassword } from "../sessions/prove-password";
import { startSession, type LoginResult, type StartSessionDeps } from "../sessions/start-session";
import type { RequestMeta } from "../types";
import {
  clientFingerprint,
  MAX_LOGIN_CHALLENGE_FAILURES,
  MAX_LOGIN_CHALLENGE_LENGTH,
} from "./login-challenge";

/** A live challenge, as the verifier of a second factor sees it. */
export interface PendingLogin {
  userId: string;
  tokenHash: string;
}

/**
 * Proves the second factor for the challenge's user: the RFC 8176 methods it adds (`otp`,
 * `hwk`…), or null when it failed. It must be single-use itself (a TOTP step, a recovery code, a
 * WebAuthn challenge), atomically.
 */
export type SecondFactorVerifier = (
  pending: PendingLogin,
) => Promise<AuthenticationMethod[] | null>;

export type CompleteLoginDeps = StartSessionDeps & Pick<Core, "limits" | "gate">;

interface ChallengeRow {
  userId: string;
  amr: string[];
  passwordFingerprint: string;
  deviceId: string | null;
}

/** Completes a sign-in with its challenge and a second factor: the session, or a refusal. */
export async function completeLoginChallenge(
  deps: CompleteLoginDeps,
  token: string,
  verify: SecondFactorVerifier,
  meta: RequestMeta = {},
): Promise<LoginResult> {
  if (token.length > MAX_LOGIN_CHALLENGE_LENGTH) throw new AuthError("MFA_CHALLENGE_INVALID");
  const tokenHash = sha256(token);
  const challenge = await liveChallenge(deps, tokenHash, meta);
  const failureHits = [
    addressHit(deps.limits.loginIp, meta.clientIp),
    challenge.deviceId
      ? hitOf(deps.limits.loginDevice, challenge.deviceId)
      : hitOf(deps.limits.loginAccount, `mfa:${challenge.userId}`),
  ];
  const taken = await deps.gate.take(failureHits);
  const added = await verify({ userId: challenge.userId, tokenHash });
  if (!added) return refuse(deps, tokenHash, challenge.userId, meta);
  await deps.gate.giveBack(taken);
  if (!(await consume(deps, tokenHash))) throw new AuthError("MFA_CHALLENGE_INVALID");
  const proven = await provenAgain(deps, challenge);
  const amr = [...new Set([...proven.amr, ...added, "mfa" as const])];
  return startSession(deps, { ...proven, amr }, meta);
}

/** The challenge when it is live and presented by the client that started it. */
async function liveChallenge(
  deps: Pick<Core, "db" | "clock">,
  tokenHash: string,
  meta: RequestMeta,
): Promise<ChallengeRow> {
  const row = await orUnavailable(() =>
    deps.db.prisma.loginChallenge.findUnique({
      where: { tokenHash },
      select: {
        userId: true,
        amr: true,
        passwordFingerprint: true,
        deviceId: true,
        clientFingerprint: true,
        failedAttempts: true,
        expiresAt: true,
        consumedAt: true,
      },
    }),
  );
  const live =
    row &&
    !row.consumedAt &&
    row.expiresAt > now(deps) &&
    row.failedAttempts < MAX_LOGIN_CHALLENGE_FAILURES &&
    row.clientFingerprint === clientFingerprint(meta);
  if (!live) throw new AuthError("MFA_CHALLENGE_INVALID");
  return row;
}

/** A wrong second step: counted against the challenge, which dies at the limit. */
async function refuse(
  deps: Pick<Core, "db" | "events">,
  tokenHash: string,
  userId: string,
  meta: RequestMeta,
): Promise<never> {
  const [row] = await orUnavailable(
    () =>
      deps.db.prisma.$queryRaw<{ failed: number }[]>`
      UPDATE login_challenges SET failed_attempts = failed_attempts + 1
      WHERE token_hash = ${tokenHash} RETURNING failed_attempts AS failed`,
  );
  const ended = (row?.failed ?? MAX_LOGIN_CHALLENGE_FAILURES) >= MAX_LOGIN_CHALLENGE_FAILURES;
  deps.events({
    event: "mfa.challenge_failed",
    userId,
    reason: ended ? "challenge_ended" : "wrong_code",
    ...eventMeta(meta),
  });
  throw new AuthError(ended ? "MFA_CHALLENGE_INVALID" : "MFA_CODE_INVALID");
}

/** Uses the challenge up: of two second steps racing with good codes, one wins. */
async function consume(deps: Pick<Core, "db" | "clock">, tokenHash: string): Promise<boolean> {
  const at = now(deps);
  const { count } = await orUnavailable(() =>
    deps.db.prisma.loginChallenge.updateMany({
      where: {
        tokenHash,
        consumedAt: null,
        expiresAt: { gt: at },
        failedAttempts: { lt: MAX_LOGIN_CHALLENGE_FAILURES },
      },
      data: { consumedAt: at },
    }),
  );
  return count === 1;
}

/**
 * The account as the first step proved it, read again: a password changed (or the account
 * disabled) since the challenge was made ends it. The session insert re-checks the hash.
 */
async function provenAgain(
  deps: Pick<Core, "db">,
  challenge: ChallengeRow,
): Promise<ProvenPassword> {
  const user = await orUnavailable(() =>
    deps.db.prisma.user.findUnique({
      where: { id: challenge.userId },
      select: credentialUserSelect,
    }),
  );
  if (!user || user.disabledAt || sha256(user.passwordHash) !== challenge.passwordFingerprint)
    throw new AuthError("MFA_CHALLENGE_INVALID");
  const { id, email, name, role, tokenVersion, credentialEpoch } = user;
  return {
    user: { id, email, name, role, tokenVersion, credentialEpoch },
    passwordHash: user.passwordHash,
    account: accountKey(email),
    deviceId: challenge.deviceId,
    amr: challenge.amr as AuthenticationMethod[],
  };
}
