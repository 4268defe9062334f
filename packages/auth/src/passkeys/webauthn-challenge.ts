/**
 * WebAuthn challenges as data: single use, five minutes, only their SHA-256 stored, and bound
 * to what they serve (the session adding a passkey or re-authenticating, the login challenge of
 * a second step, or for a passwordless sign-in the client that asked). A challenge issued for
 * one of these is worth nothing for another.
 */
import { now, type Core } from "../core";
import { orUnavailable } from "../errors";
import { addressHit } from "../rate-limit/gate";
import { clientFingerprint } from "../mfa/login-challenge";
import { sha256 } from "../random";
import type { RequestMeta } from "../types";

export const WEBAUTHN_CHALLENGE_TTL_SECONDS = 300;
const CHALLENGE_BYTES = 32;
/** Longer than any challenge of ours (43 characters): not worth a database read. */
const MAX_CHALLENGE_LENGTH = 128;

export type WebAuthnChallengeDeps = Pick<Core, "db" | "clock" | "random" | "gate" | "limits">;

export type WebAuthnCeremony = "registration" | "sign_in" | "second_factor" | "reauthentication";

/** What a challenge is for; null fields are part of the binding (they must be null too). */
export interface ChallengeBinding {
  ceremony: WebAuthnCeremony;
  userId: string | null;
  sessionId: string | null;
  /** SHA-256 of the login challenge a second step completes. */
  loginChallengeHash: string | null;
}

/**
 * A fresh challenge (base64url, as the browser will echo it in `clientDataJSON`), stored hashed.
 * Each is a row, and some are issued to anyone (passwordless sign-in), so each counts against
 * RATE_LIMIT_PASSKEY_OPTIONS_IP for the caller's address (RATE_LIMITED past it).
 */
export async function issueWebAuthnChallenge(
  deps: WebAuthnChallengeDeps,
  binding: ChallengeBinding,
  meta: RequestMeta,
): Promise<string> {
  await deps.gate.take([addressHit(deps.limits.passkeyOptionsIp, meta.clientIp)]);
  const challenge = deps.random.token(CHALLENGE_BYTES);
  const at = now(deps);
  await orUnavailable(() =>
    deps.db.prisma.webAuthnChallenge.create({
      data: {
        challengeHash: sha256(challenge),
        ...binding,
        clientFingerprint: clientFingerprint(meta),
        createdAt: at,
        expiresAt: new Date(at.getTime() + WEBAUTHN_CHALLENGE_TTL_SECONDS * 1000),
      },
      select: { challengeHash: true },
    }),
  );
  return challenge;
}

/**
 * Uses the challenge up if it is live, bound exactly as `binding` says and presented by the
 * client that asked for it. Of two answers racing with one challenge, one wins.
 */
export async function redeemWebAuthnChallenge(
  deps: Pick<Core, "db" | "clock">,
  challenge: string,
  binding: ChallengeBinding,
  meta: RequestMeta,
): Promise<boolean> {
  if (challenge.length > MAX_CHALLENGE_LENGTH) return false;
  const at = now(deps);
  const { count } = await orUnavailable(() =>
    deps.db.prisma.webAuthnChallenge.updateMany({
      where: {
        challengeHash: sha256(challenge),
        ...binding,
        clientFingerprint: clientFingerprint(meta),
        consumedAt: null,
        expiresAt: { gt: at },
      },
      data: { consumedAt: at },
    }),
  );
  return count === 1;
}

/** The challenge a browser signed, read from its `clientDataJSON`; null when there is none. */
export function signedChallenge(clientDataJSON: string): string | null {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8"));
    const challenge =
      typeof data === "object" && data !== null && "challenge" in data ? data.challenge : null;
    return typeof challenge === "string" ? challenge : null;
  } catch {
    return null;
  }
}

/** The bytes simplewebauthn puts in the options, so `options.challenge` is our string. */
export const challengeBytes = (challenge: string) =>
  new Uint8Array(Buffer.from(challenge, "base64url"));
