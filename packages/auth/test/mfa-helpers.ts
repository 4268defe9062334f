/** Second-factor helpers for the tests: an authenticator app computed from the key the server showed. */
import { decodeBase32IgnorePadding } from "@oslojs/encoding";

import { totpCode, totpStep } from "../src/mfa/totp";
import type { LoginChallenge } from "../src/mfa/login-challenge";
import type { LoginInput } from "../src/sessions/login";
import type { Identity, RequestMeta } from "../src/types";
import type { CoreUnderTest } from "./setup";

/** What an authenticator app holds after scanning: the key, and the code at the core's time. */
export interface Authenticator {
  factorId: string;
  key: Uint8Array;
  recoveryCodes: string[] | null;
  /** The code `steps` 30-second steps from now. */
  code(steps?: number): string;
}

export async function enrolTotp(core: CoreUnderTest, identity: Identity): Promise<Authenticator> {
  const { factorId, secret } = await core.auth.mfa.beginTotp(identity);
  const key = decodeBase32IgnorePadding(secret);
  const code = (steps = 0) => totpCode(key, totpStep(core.clock.now()) + steps);
  const { recoveryCodes } = await core.auth.mfa.confirmTotp(identity, { factorId, code: code() });
  // The confirming code's step is spent: the person's next code comes a step later.
  core.clock.advance(30);
  return { factorId, key, recoveryCodes, code };
}

/** Signs in with a password where a factor is expected: the challenge. */
export async function challengeFor(
  core: CoreUnderTest,
  input: LoginInput,
  meta?: RequestMeta,
): Promise<LoginChallenge> {
  const outcome = await core.auth.sessions.login(input, meta);
  if (outcome.status !== "mfa_required") throw new Error("expected a second-factor challenge");
  return outcome.challenge;
}

/** The code an error carries, or "ok" when the promise resolved. */
export const outcomeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => "ok",
    (error: { code?: string; message?: string }) => error.code ?? `thrown: ${error.message}`,
  );
