/**
 * Options for `navigator.credentials.get()`: for a passwordless sign-in (discoverable
 * credentials: the browser offers whichever passkeys it holds for us, in the email field's
 * autofill too), for a sign-in's second step (naming the account's passkeys), or for a
 * re-authentication of the signed-in user.
 */
import {
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";

import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { clientFingerprint, MAX_LOGIN_CHALLENGE_LENGTH } from "../mfa/login-challenge";
import { MAX_LOGIN_CHALLENGE_FAILURES } from "../mfa/login-challenge";
import { sha256 } from "../random";
import type { Identity, RequestMeta } from "../types";
import type { RelyingPartyDeps } from "./relying-party";
import {
  challengeBytes,
  issueWebAuthnChallenge,
  type ChallengeBinding,
  type WebAuthnChallengeDeps,
} from "./webauthn-challenge";

export type AuthenticationOptionsDeps = WebAuthnChallengeDeps & RelyingPartyDeps;

/** Passwordless: no account named, user verification required (it stands in for the password). */
export async function signInOptions(
  deps: AuthenticationOptionsDeps,
  meta: RequestMeta,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const binding: ChallengeBinding = {
    ceremony: "sign_in",
    userId: null,
    sessionId: null,
    loginChallengeHash: null,
  };
  return optionsFor(deps, binding, [], "required", meta);
}

/** A second step: the challenge's account's passkeys. MFA_CHALLENGE_INVALID for a dead one. */
export async function secondFactorOptions(
  deps: AuthenticationOptionsDeps,
  loginChallenge: string,
  meta: RequestMeta,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  if (loginChallenge.length > MAX_LOGIN_CHALLENGE_LENGTH)
    throw new AuthError("MFA_CHALLENGE_INVALID");
  const tokenHash = sha256(loginChallenge);
  const row = await orUnavailable(() =>
    deps.db.prisma.loginChallenge.findUnique({
      where: { tokenHash },
      select: {
        userId: true,
        clientFingerprint: true,
        expiresAt: true,
        consumedAt: true,
        failedAttempts: true,
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
  const binding: ChallengeBinding = {
    ceremony: "second_factor",
    userId: row.userId,
    sessionId: null,
    loginChallengeHash: tokenHash,
  };
  return optionsFor(deps, binding, await credentialsOf(deps, row.userId), "preferred", meta);
}

/** Re-authentication of the signed-in user (`auth.reauthenticate` with a passkey). */
export async function reauthenticationOptions(
  deps: AuthenticationOptionsDeps,
  identity: Pick<Identity, "user" | "session">,
  meta: RequestMeta,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const binding: ChallengeBinding = {
    ceremony: "reauthentication",
    userId: identity.user.id,
    sessionId: identity.session.id,
    loginChallengeHash: null,
  };
  const credentials = await credentialsOf(deps, identity.user.id);
  if (credentials.length === 0) throw new AuthError("NOT_FOUND");
  return optionsFor(deps, binding, credentials, "preferred", meta);
}

async function optionsFor(
  deps: AuthenticationOptionsDeps,
  binding: ChallengeBinding,
  allowCredentials: { id: string; transports: string[] }[],
  userVerification: "required" | "preferred",
  meta: RequestMeta,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const challenge = await issueWebAuthnChallenge(deps, binding, meta);
  return generateAuthenticationOptions({
    rpID: deps.settings.webauthn.rpId,
    challenge: challengeBytes(challenge),
    allowCredentials,
    userVerification,
  });
}

async function credentialsOf(deps: Pick<Core, "db">, userId: string) {
  const rows = await orUnavailable(() =>
    deps.db.prisma.mfaFactor.findMany({
      where: { userId, type: "passkey", confirmedAt: { not: null }, credentialId: { not: null } },
      select: { credentialId: true, transports: true },
    }),
  );
  return rows.map((row) => ({ id: row.credentialId ?? "", transports: row.transports }));
}
