/**
 * Passwordless sign-in with a discoverable passkey: the same session, tokens and device cookie
 * as a password sign-in, with `amr` ["hwk"|"swk", "user", "mfa"] (user verification is required,
 * so the passkey is two factors in one). Limits: failures per client address (the account is not
 * known before the passkey names it), successes per account and per address, as for passwords.
 * One error, PASSKEY_REJECTED, for an unknown passkey, a bad signature, a used or expired
 * challenge and a disabled account; the event says which.
 */
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";

import type { Core } from "../core";
import { AuthError } from "../errors";
import { eventMeta } from "../events";
import { addressHit, hitOf } from "../rate-limit/gate";
import { accountKey } from "../sessions/prove-password";
import { startSession, type LoginResult, type StartSessionDeps } from "../sessions/start-session";
import type { RequestMeta } from "../types";
import { verifyAssertion, type VerifyAssertionDeps } from "./verify-assertion";

export type SignInWithPasskeyDeps = StartSessionDeps &
  VerifyAssertionDeps &
  Pick<Core, "limits" | "gate"> & {
    settings: Pick<Core["settings"], "requireEmailVerification">;
  };

export async function signInWithPasskey(
  deps: SignInWithPasskeyDeps,
  response: AuthenticationResponseJSON,
  meta: RequestMeta,
): Promise<{ session: LoginResult; email: string }> {
  const failureHit = addressHit(deps.limits.loginIp, meta.clientIp);
  const taken = await deps.gate.take([failureHit]);
  const binding = () =>
    ({ ceremony: "sign_in", userId: null, sessionId: null, loginChallengeHash: null }) as const;
  const passkey = await verifyAssertion(deps, response, binding, meta, {
    requireUserVerification: true,
  });
  if (!passkey || passkey.user.disabledAt) {
    deps.events({
      event: "login.failed",
      reason: passkey ? "user_disabled" : "passkey_rejected",
      ...(passkey ? { userId: passkey.user.id } : {}),
      ...eventMeta(meta),
    });
    throw new AuthError("PASSKEY_REJECTED");
  }
  await deps.gate.giveBack(taken);
  const { user } = passkey;
  const account = accountKey(user.email);
  await deps.gate.take([
    hitOf(deps.limits.loginSuccessAccount, account),
    addressHit(deps.limits.loginSuccessIp, meta.clientIp),
  ]);
  if (deps.settings.requireEmailVerification && !user.emailVerifiedAt)
    throw new AuthError("EMAIL_NOT_VERIFIED");
  const { id, email, name, role, tokenVersion, credentialEpoch } = user;
  const session = await startSession(
    deps,
    {
      user: { id, email, name, role, tokenVersion, credentialEpoch },
      passwordHash: user.passwordHash,
      account,
      deviceId: null,
      amr: [...passkey.amr, "mfa"],
    },
    meta,
  );
  deps.events({
    event: "passkey.used",
    userId: id,
    factorId: passkey.factorId,
    factorType: "passkey",
    ...eventMeta(meta),
  });
  return { session, email };
}
