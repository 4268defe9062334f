/** The first step of every sign-in that takes a password: limits, argon2id, the account. */
import { credentialUserSelect, normalizeEmail } from "@authkit/db";

import type { AuthenticationMethod, Role } from "../access-token";
import type { Core } from "../core";
import { AuthError, isAuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { sha256 } from "../random";
import { addressHit, hitOf } from "../rate-limit/gate";
import type { RateLimitHit } from "../rate-limit/types";
import type { RequestMeta } from "../types";
import { recognizedDevice } from "./recognized-device";

export interface LoginInput {
  email: string;
  password: string;
  /** The device cookie this browser holds for this account, if any (see ../device). */
  deviceToken?: string | null;
}

/** The key an account is counted and recognised under: its normalized email, hashed. */
export const accountKey = (email: string) => sha256(normalizeEmail(email));

export type ProvePasswordDeps = Pick<
  Core,
  "db" | "passwords" | "limits" | "gate" | "devices" | "events"
> & { settings: Pick<Core["settings"], "requireEmailVerification"> };

/** An account whose password was just proven, with the hash that proved it. */
export interface ProvenPassword {
  user: {
    id: string;
    email: string;
    name: string | null;
    role: Role;
    tokenVersion: number;
    /** What the device cookie is issued at (./recognized-device). */
    credentialEpoch: number;
  };
  /** The stored hash the password matched (upgraded if its parameters were old). */
  passwordHash: string;
  /** The account key (see `accountKey`), for the device cookie. */
  account: string;
  /** The device cookie's id when the browser presented a valid one for this account. */
  deviceId: string | null;
  /** What has been proven so far (RFC 8176): `pwd`, then a second factor's methods. */
  amr: AuthenticationMethod[];
}

/** Checks the email and password under the login limits; the one INVALID_CREDENTIALS otherwise. */
export async function provePassword(
  deps: ProvePasswordDeps,
  input: LoginInput,
  meta: RequestMeta,
): Promise<ProvenPassword> {
  const email = normalizeEmail(input.email);
  const account = sha256(email);
  const device = await recognizedDevice(deps, { email, account }, input.deviceToken);
  const attempt = await takeLoginAttempt(deps, account, device, meta);
  const user = await orUnavailable(() =>
    deps.db.prisma.user.findUnique({ where: { email }, select: credentialUserSelect }),
  );
  if (!user) {
    // The same argon2 work as a wrong password, so timing does not tell who has an account.
    await deps.passwords.verifyAgainstDummy(input.password);
    return attempt.fail("unknown_email");
  }
  const check = await deps.passwords.verify(user.passwordHash, input.password);
  if (!check.ok) return attempt.fail("wrong_password", user.id);
  if (user.disabledAt) return attempt.fail("user_disabled", user.id);
  await attempt.passed();
  if (deps.settings.requireEmailVerification && !user.emailVerifiedAt) {
    // Said plainly (not the generic 401): the password was right, so nothing is revealed to
    // someone who did not know it, and the owner learns what to do.
    deps.events({
      event: "login.failed",
      reason: "email_not_verified",
      userId: user.id,
      ...eventMeta(meta),
    });
    throw new AuthError("EMAIL_NOT_VERIFIED");
  }
  const passwordHash = check.needsRehash
    ? await upgradeHash(deps, user.id, user.passwordHash, input.password)
    : user.passwordHash;
  const { id, name, role, tokenVersion, credentialEpoch } = user;
  return {
    user: { id, email: user.email, name, role, tokenVersion, credentialEpoch },
    passwordHash,
    account,
    deviceId: attempt.deviceId,
    amr: ["pwd"],
  };
}

/** The limits one login attempt took, and what to do with them once the outcome is known. */
interface LoginAttempt {
  /** The device cookie's id when it was valid for this account (see ../device). */
  deviceId: string | null;
  /** Gives the success hits back, logs the failure and throws the one INVALID_CREDENTIALS. */
  fail(reason: string, userId?: string): Promise<never>;
  /** The password was right: the failure hits are given back. */
  passed(): Promise<void>;
}

/** `device`: the recognized device cookie's id (./recognized-device), or null. */
async function takeLoginAttempt(
  deps: Pick<Core, "limits" | "gate" | "events">,
  account: string,
  device: string | null,
  meta: RequestMeta,
): Promise<LoginAttempt> {
  const { limits, gate } = deps;
  const failureHits = [
    addressHit(limits.loginIp, meta.clientIp),
    device ? hitOf(limits.loginDevice, device) : hitOf(limits.loginAccount, account),
  ];
  const successHits = [
    hitOf(limits.loginSuccessAccount, account),
    addressHit(limits.loginSuccessIp, meta.clientIp),
  ];
  const taken = await gate.take([...failureHits, ...successHits]).catch((error: unknown) => {
    if (isAuthError(error, "RATE_LIMITED"))
      deps.events({ event: "login.rate_limited", ...eventMeta(meta) });
    throw error;
  });
  const among = (group: (RateLimitHit | null)[]) => taken.filter((hit) => group.includes(hit));
  return {
    deviceId: device,
    async fail(reason, userId) {
      await gate.giveBack(among(successHits));
      deps.events({
        event: "login.failed",
        reason,
        ...(userId ? { userId } : {}),
        ...eventMeta(meta),
      });
      throw new AuthError("INVALID_CREDENTIALS");
    },
    passed: () => gate.giveBack(among(failureHits)),
  };
}

/** Parameters changed since this hash was made: upgrade it while we hold the password. */
async function upgradeHash(
  deps: Pick<Core, "db" | "passwords">,
  userId: string,
  passwordHash: string,
  password: string,
): Promise<string> {
  const upgraded = await deps.passwords.hash(password);
  const { count } = await orUnavailable(() =>
    deps.db.prisma.user.updateMany({
      where: { id: userId, passwordHash },
      data: { passwordHash: upgraded },
    }),
  );
  return count === 1 ? upgraded : passwordHash;
}
