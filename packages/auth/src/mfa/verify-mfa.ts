/**
 * The second step of a sign-in with a TOTP code or a recovery code, for every entry point
 * (tRPC `auth.verifyMfa`, the form, the OAuth MFA grants): the verifiers ../complete-login-challenge
 * runs under its limits and single use.
 */
import type { Core } from "../core";
import { eventMeta } from "../events";
import type { LoginResult } from "../sessions/start-session";
import type { RequestMeta } from "../types";
import {
  completeLoginChallenge,
  type CompleteLoginDeps,
  type SecondFactorVerifier,
} from "./complete-login-challenge";
import { notifyOwner } from "./notify-owner";
import { spendRecoveryCode } from "./recovery-codes";
import { useTotpCode, type UseTotpDeps } from "./use-totp-code";

/** A second step: the challenge and either an authenticator's code or a recovery code. */
export type SecondStepInput =
  { challenge: string; code: string } | { challenge: string; recoveryCode: string };

/** A way to prove the second factor, without the challenge. */
export type SecondFactorProof = { code: string } | { recoveryCode: string };

export type VerifyMfaDeps = CompleteLoginDeps & UseTotpDeps & Pick<Core, "notify">;

/** Completes a sign-in: the session, or MFA_CODE_INVALID / MFA_CHALLENGE_INVALID. */
export async function verifyMfa(
  deps: VerifyMfaDeps,
  input: SecondStepInput,
  meta: RequestMeta = {},
): Promise<LoginResult> {
  return completeLoginChallenge(deps, input.challenge, proofVerifier(deps, input, meta), meta);
}

/** The verifier of one proof: `otp` for a TOTP code; a recovery code adds no method of its own. */
export function proofVerifier(
  deps: UseTotpDeps & Pick<Core, "db" | "clock" | "events" | "notify">,
  proof: SecondFactorProof,
  meta: RequestMeta,
): SecondFactorVerifier {
  if ("code" in proof)
    return async ({ userId }) =>
      (await useTotpCode(deps, userId, proof.code, { confirmed: true })) ? ["otp"] : null;
  return async ({ userId }) => {
    const remaining = await spendRecoveryCode(deps, userId, proof.recoveryCode);
    if (remaining === null) return null;
    deps.events({ event: "mfa.recovery_code_used", userId, ...eventMeta(meta) });
    await notifyOwner(deps, { kind: "recovery_code_used", userId, remaining });
    return [];
  };
}
