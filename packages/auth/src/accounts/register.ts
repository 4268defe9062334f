import { isUniqueViolation, normalizeEmail, publicUserSelect, type PublicUser } from "@authkit/db";

import type { Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { assertPasswordAllowed } from "../password-policy";
import { addressHit } from "../rate-limit/gate";
import { mailVerificationAfterRegister, type VerificationMailDeps } from "../recovery/verify-email";
import type { RequestMeta } from "../types";

export interface RegisterInput {
  email: string;
  password: string;
  name?: string | undefined;
}

export type RegisterDeps = VerificationMailDeps &
  Pick<Core, "passwords" | "limits" | "gate" | "background" | "breaches">;

/**
 * Registration says when an email is taken (409): the form is useless otherwise. So that it
 * cannot enumerate accounts faster than login can guess passwords, every attempt also takes a
 * slot of the address's login-failure budget, given back only when an account is created.
 */
export async function register(
  deps: RegisterDeps,
  input: RegisterInput,
  meta: RequestMeta = {},
): Promise<PublicUser> {
  const loginFailure = addressHit(deps.limits.loginIp, meta.clientIp);
  await deps.gate.take([addressHit(deps.limits.registerIp, meta.clientIp), loginFailure]);
  await assertPasswordAllowed(deps, input.password, [input.email, input.name], meta);
  const passwordHash = await deps.passwords.hash(input.password);
  try {
    const user = await orUnavailable(() =>
      deps.db.prisma.user.create({
        data: {
          email: normalizeEmail(input.email),
          name: input.name?.trim() || null,
          passwordHash,
        },
        select: publicUserSelect,
      }),
    );
    if (loginFailure) await deps.gate.giveBack([loginFailure]);
    mailVerificationAfterRegister(deps, user, meta);
    return user;
  } catch (error) {
    if (error instanceof AuthError && isUniqueViolation(error.cause))
      throw new AuthError("EMAIL_TAKEN");
    throw error;
  }
}
