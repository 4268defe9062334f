/**
 * A passkey as the second step of a password sign-in, and as the proof of a re-authentication.
 * Both go through the challenge's or the session's own binding: an assertion made for one
 * sign-in or session is worth nothing for another.
 */
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";

import type { AuthenticationMethod } from "../access-token";
import { eventMeta } from "../events";
import {
  completeLoginChallenge,
  type CompleteLoginDeps,
  type SecondFactorVerifier,
} from "../mfa/complete-login-challenge";
import type { LoginResult } from "../sessions/start-session";
import type { Identity, RequestMeta } from "../types";
import { verifyAssertion, type VerifyAssertionDeps } from "./verify-assertion";

/** Completes the sign-in of `loginChallenge` with a passkey of its account. */
export async function completeLoginWithPasskey(
  deps: CompleteLoginDeps & VerifyAssertionDeps,
  loginChallenge: string,
  response: AuthenticationResponseJSON,
  meta: RequestMeta,
): Promise<LoginResult> {
  const verifier: SecondFactorVerifier = async (pending) => {
    const passkey = await verifyAssertion(
      deps,
      response,
      (owner) =>
        owner === pending.userId
          ? {
              ceremony: "second_factor",
              userId: pending.userId,
              sessionId: null,
              loginChallengeHash: pending.tokenHash,
            }
          : null,
      meta,
    );
    if (!passkey) return null;
    deps.events({
      event: "passkey.used",
      userId: pending.userId,
      factorId: passkey.factorId,
      factorType: "passkey",
      ...eventMeta(meta),
    });
    return passkey.amr;
  };
  return completeLoginChallenge(deps, loginChallenge, verifier, meta);
}

/** The methods a passkey of the signed-in user proves for a re-authentication, or null. */
export async function passkeyReauthentication(
  deps: VerifyAssertionDeps,
  identity: Pick<Identity, "user" | "session">,
  response: AuthenticationResponseJSON,
  meta: RequestMeta,
): Promise<AuthenticationMethod[] | null> {
  const passkey = await verifyAssertion(
    deps,
    response,
    (owner) =>
      owner === identity.user.id
        ? {
            ceremony: "reauthentication",
            userId: identity.user.id,
            sessionId: identity.session.id,
            loginChallengeHash: null,
          }
        : null,
    meta,
  );
  if (!passkey) return null;
  deps.events({
    event: "passkey.used",
    userId: identity.user.id,
    factorId: passkey.factorId,
    factorType: "passkey",
    ...eventMeta(meta),
  });
  return passkey.amr;
}
