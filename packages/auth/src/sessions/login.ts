/**
 * Sign-in as a pipeline. Every entry point that takes a password (tRPC `auth.login`, the form
 * without JavaScript, the OAuth password grant) calls `login` and turns its outcome into an
 * answer with a responder of its own. The outcome is a session or a second-factor challenge,
 * never both: an account with a second factor gets no token, cookie or session row until its
 * second step succeeds.
 */
import { createLoginChallenge, type LoginChallenge } from "../mfa/login-challenge";
import { secondFactorMethods } from "../mfa/second-factor-methods";
import type { RequestMeta } from "../types";
import { provePassword, type LoginInput, type ProvePasswordDeps } from "./prove-password";
import { startSession, type LoginResult, type StartSessionDeps } from "./start-session";

export type { LoginInput } from "./prove-password";
export type { LoginResult } from "./start-session";

/** What a sign-in's first step ends in. */
export type LoginOutcome =
  | { status: "signed_in"; session: LoginResult }
  | { status: "mfa_required"; challenge: LoginChallenge };

export type LoginDeps = ProvePasswordDeps & StartSessionDeps;

/**
 * Password login. Limits are taken before the password is checked (so a burst cannot slip past
 * them): failures per address and per account, or per device cookie for a browser that signed
 * in to this account before; successes per account and per address, because argon2 work is
 * what they bound. The session is created only if the password hash is still the one verified:
 * a login racing a password change cannot survive it.
 */
export async function login(
  deps: LoginDeps,
  input: LoginInput,
  meta: RequestMeta = {},
): Promise<LoginOutcome> {
  const proven = await provePassword(deps, input, meta);
  const methods = await secondFactorMethods(deps, proven.user.id);
  if (methods.length > 0)
    return {
      status: "mfa_required",
      challenge: await createLoginChallenge(deps, proven, methods, meta),
    };
  return { status: "signed_in", session: await startSession(deps, proven, meta) };
}
