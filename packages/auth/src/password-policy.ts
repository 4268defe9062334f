/**
 * What a new password must be (registration, password change, reset, the admin bootstrap): not
 * among the passwords people pick first (zxcvbn's score, @authkit/password-strength), and, with
 * `PASSWORD_BREACH_CHECK=hibp`, not in a known breach. An unreachable breach service fails open:
 * its outage must not stop sign-ups, so the password is accepted and a warning is logged.
 */
import type { BreachedPasswordCheck } from "./breached-passwords";
import { AuthError } from "./errors";
import type { SecurityEventSink } from "./events";
import { passwordStrength } from "@authkit/password-strength";
import { eventMeta } from "./events";
import type { RequestMeta } from "./types";

export interface PasswordPolicyDeps {
  /** The breach check (PASSWORD_BREACH_CHECK=hibp), or undefined when it is off. */
  breaches: BreachedPasswordCheck | undefined;
  events: SecurityEventSink;
}

/**
 * Throws PASSWORD_TOO_WEAK or PASSWORD_BREACHED for a password that may not be set.
 * `userInputs` are what the account gives away (its email, its name): a password made of them
 * counts as guessed.
 */
export async function assertPasswordAllowed(
  deps: PasswordPolicyDeps,
  password: string,
  userInputs: (string | null | undefined)[] = [],
  meta: RequestMeta = {},
): Promise<void> {
  const inputs = userInputs.filter((input): input is string => Boolean(input));
  if (!passwordStrength(password, inputs).acceptable) {
    deps.events({ event: "password.refused", reason: "too_weak", ...eventMeta(meta) });
    throw new AuthError("PASSWORD_TOO_WEAK");
  }
  if (!deps.breaches) return;
  const verdict = await deps.breaches(password);
  if ("unavailable" in verdict) {
    deps.events({
      event: "password.breach_check_failed",
      reason: verdict.unavailable,
      ...eventMeta(meta),
    });
    return;
  }
  if (verdict.breached) {
    deps.events({ event: "password.refused", reason: "breached", ...eventMeta(meta) });
    throw new AuthError("PASSWORD_BREACHED");
  }
}
