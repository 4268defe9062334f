/**
 * Checks a passkey assertion (`navigator.credentials.get()`'s answer) for any ceremony: the
 * challenge is redeemed first (single use, bound as the ceremony says), then the signature, the
 * origin, the RP ID and the sign counter. Every failure is the same null: the callers answer one
 * generic error whether the credential is unknown, the signature bad or the challenge used.
 */
import {
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
} from "@simplewebauthn/server";
import { credentialUserSelect } from "@authkit/db";

import type { AuthenticationMethod } from "../access-token";
import { now, type Core } from "../core";
import { orUnavailable } from "../errors";
import { eventMeta } from "../events";
import type { RequestMeta } from "../types";
import { expectations, type RelyingPartyDeps } from "./relying-party";
import {
  redeemWebAuthnChallenge,
  signedChallenge,
  type ChallengeBinding,
} from "./webauthn-challenge";

export type VerifyAssertionDeps = Pick<Core, "db" | "clock" | "events"> & RelyingPartyDeps;

const credentialSelect = {
  id: true,
  userId: true,
  credentialId: true,
  publicKey: true,
  signCount: true,
  transports: true,
  backupEligible: true,
  user: { select: credentialUserSelect },
} as const;

/** A verified assertion: the passkey, its account, and what it proved (RFC 8176). */
export interface VerifiedPasskey {
  factorId: string;
  user: NonNullable<Awaited<ReturnType<typeof findCredential>>>["user"];
  /** `hwk` (device-bound) or `swk` (synced), and `user` when the authenticator verified the user. */
  amr: AuthenticationMethod[];
  userVerified: boolean;
}

/**
 * `binding(userId)`: what the challenge must have been issued for, given the passkey's account
 * (a second step or a re-authentication also names the account it expects).
 */
export async function verifyAssertion(
  deps: VerifyAssertionDeps,
  response: AuthenticationResponseJSON,
  binding: (credentialUserId: string) => ChallengeBinding | null,
  meta: RequestMeta,
  { requireUserVerification = false } = {},
): Promise<VerifiedPasskey | null> {
  const challenge = signedChallenge(response.response.clientDataJSON);
  if (!challenge) return null;
  const row = await findCredential(deps, response.id);
  const bound = row ? binding(row.userId) : null;
  if (!row || !bound || !(await redeemWebAuthnChallenge(deps, challenge, bound, meta))) return null;
  const stored = Number(row.signCount ?? 0n);
  const verified = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    ...expectations(deps),
    requireUserVerification,
    // The counter is checked below, where a synced passkey is told apart from a cloned key.
    credential: {
      id: row.credentialId ?? "",
      publicKey: new Uint8Array(row.publicKey ?? []),
      counter: 0,
      transports: row.transports,
    },
  }).catch(() => null);
  if (!verified?.verified) return null;
  const info = verified.authenticationInfo;
  if (counterRegressed(stored, info.newCounter) && !row.backupEligible) {
    deps.events({
      event: "passkey.counter_regressed",
      userId: row.userId,
      factorId: row.id,
      factorType: "passkey",
      ...eventMeta(meta),
    });
    return null;
  }
  await recordUse(deps, row.id, stored, info);
  const kind: AuthenticationMethod = row.backupEligible ? "swk" : "hwk";
  return {
    factorId: row.id,
    user: row.user,
    amr: info.userVerified ? [kind, "user"] : [kind],
    userVerified: info.userVerified,
  };
}

/**
 * WebAuthn §7.2 step 21: a counter that did not move forward (when either side is non-zero)
 * says the key may have been cloned. Synced passkeys share one key across devices and commonly
 * report 0, so only a device-bound one is refused for it.
 */
export const counterRegressed = (stored: number, received: number) =>
  (stored > 0 || received > 0) && received <= stored;

async function findCredential(deps: Pick<Core, "db">, credentialId: string) {
  if (!credentialId || credentialId.length > 1024) return null;
  return orUnavailable(() =>
    deps.db.prisma.mfaFactor.findFirst({
      where: { credentialId, type: "passkey", confirmedAt: { not: null } },
      select: credentialSelect,
    }),
  );
}

/** The new counter (never lowered), the backup state as last seen, and the time of use. */
async function recordUse(
  deps: Pick<Core, "db" | "clock">,
  factorId: string,
  stored: number,
  info: { newCounter: number; credentialBackedUp: boolean },
): Promise<void> {
  await orUnavailable(() =>
    deps.db.prisma.mfaFactor.update({
      where: { id: factorId },
      data: {
        signCount: BigInt(Math.max(stored, info.newCounter)),
        backupState: info.credentialBackedUp,
        lastUsedAt: now(deps),
      },
      select: { id: true },
    }),
  );
}
