/**
 * Adding a passkey to the signed-in account (the router makes it a fresh procedure): options
 * bound to the session, then the browser's attestation verified and stored. Like adding any
 * factor, it ends every other session of the user: they were authenticated with less.
 */
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";

import { recordCredentialChange } from "../accounts/record-credential-change";
import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { replaceRecoveryCodes } from "../mfa/recovery-codes";
import type { Identity, RequestMeta } from "../types";
import { passkeyChanged } from "./passkey-changed";
import { passkeySelect, passkeyView, type PasskeyView } from "./passkey-view";
import { expectations, type RelyingPartyDeps } from "./relying-party";
import {
  challengeBytes,
  issueWebAuthnChallenge,
  type WebAuthnChallengeDeps,
  redeemWebAuthnChallenge,
  signedChallenge,
  type ChallengeBinding,
} from "./webauthn-challenge";
import type { PasskeyChangeDeps } from "./passkey-changed";

export const MAX_PASSKEY_NAME_LENGTH = 64;
const DEFAULT_NAME = "Passkey";

const registrationBinding = (identity: Pick<Identity, "user" | "session">): ChallengeBinding => ({
  ceremony: "registration",
  userId: identity.user.id,
  sessionId: identity.session.id,
  loginChallengeHash: null,
});

/** Options for `navigator.credentials.create()`: a discoverable credential, no attestation. */
export async function passkeyRegistrationOptions(
  deps: WebAuthnChallengeDeps & RelyingPartyDeps,
  identity: Pick<Identity, "user" | "session">,
  meta: RequestMeta,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const userId = identity.user.id;
  const [user, existing] = await orUnavailable(() =>
    Promise.all([
      deps.db.prisma.user.findUnique({
        where: { id: userId },
        select: { email: true, name: true },
      }),
      deps.db.prisma.mfaFactor.findMany({
        where: { userId, type: "passkey", credentialId: { not: null } },
        select: { credentialId: true, transports: true },
      }),
    ]),
  );
  if (!user) throw new AuthError("UNAUTHENTICATED");
  const challenge = await issueWebAuthnChallenge(deps, registrationBinding(identity), meta);
  return generateRegistrationOptions({
    rpName: deps.settings.webauthn.rpName,
    rpID: deps.settings.webauthn.rpId,
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    userID: new Uint8Array(Buffer.from(userId.replaceAll("-", ""), "hex")),
    challenge: challengeBytes(challenge),
    attestationType: "none",
    // One passkey per authenticator: the browser says so instead of making a duplicate.
    excludeCredentials: existing.map((row) => ({
      id: row.credentialId ?? "",
      transports: row.transports,
    })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
}

export type RegisterPasskeyDeps = PasskeyChangeDeps & RelyingPartyDeps;

/** Verifies the attestation against the session's challenge and stores the passkey. */
export async function registerPasskey(
  deps: RegisterPasskeyDeps,
  identity: Pick<Identity, "user" | "session">,
  input: { response: RegistrationResponseJSON; name?: string | undefined },
  meta: RequestMeta,
): Promise<RegisteredPasskey> {
  const challenge = signedChallenge(input.response.response.clientDataJSON);
  if (
    !challenge ||
    !(await redeemWebAuthnChallenge(deps, challenge, registrationBinding(identity), meta))
  )
    throw new AuthError("PASSKEY_REJECTED");
  const verified = await verifyRegistrationResponse({
    response: input.response,
    expectedChallenge: challenge,
    ...expectations(deps),
    requireUserVerification: false,
  }).catch(() => null);
  if (!verified?.verified) throw new AuthError("PASSKEY_REJECTED");
  const stored = await storePasskey(deps, identity.user.id, verified.registrationInfo, input.name);
  await passkeyChanged(deps, identity, "added", stored.passkey.id, meta);
  return stored;
}

type RegistrationInfo = NonNullable<
  Awaited<ReturnType<typeof verifyRegistrationResponse>>["registrationInfo"]
>;

/** A new passkey and what registering it holds. */
export interface RegisteredPasskey {
  passkey: PasskeyView;
  /** The account's first factor: its recovery codes, shown once. Null otherwise. */
  recoveryCodes: string[] | null;
}

/**
 * Stores the passkey as a confirmed factor, in one transaction with what every credential change
 * does (reset links void, device cookies' epoch raised) and, for the account's first factor, a
 * set of recovery codes.
 */
async function storePasskey(
  deps: Pick<Core, "db" | "clock" | "random">,
  userId: string,
  info: RegistrationInfo,
  name: string | undefined,
): Promise<RegisteredPasskey> {
  const at = now(deps);
  const data = {
    id: deps.random.uuid(),
    userId,
    type: "passkey" as const,
    name: name?.trim().slice(0, MAX_PASSKEY_NAME_LENGTH) || DEFAULT_NAME,
    createdAt: at,
    confirmedAt: at,
    credentialId: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey),
    signCount: BigInt(info.credential.counter),
    transports: info.credential.transports ?? [],
    backupEligible: info.credentialDeviceType === "multiDevice",
    backupState: info.credentialBackedUp,
    aaguid: info.aaguid,
  };
  return deps.db.prisma
    .$transaction(async (tx) => {
      await recordCredentialChange(tx, userId);
      const others = await tx.mfaFactor.count({ where: { userId, confirmedAt: { not: null } } });
      const row = await tx.mfaFactor.create({ data, select: passkeySelect });
      const recoveryCodes = others === 0 ? await replaceRecoveryCodes(deps, tx, userId) : null;
      return { passkey: passkeyView(row), recoveryCodes };
    })
    .catch((error: unknown) => {
      // The unique credential ID: this authenticator's passkey is already registered.
      const duplicate =
        typeof error === "object" && error !== null && "code" in error && error.code === "P2002";
      throw new AuthError(duplicate ? "PASSKEY_REJECTED" : "UNAVAILABLE", { cause: error });
    });
}
