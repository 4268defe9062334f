import type { Core } from "../core";
import { orUnavailable } from "../errors";

/** How a sign-in's second step can be completed. */
export type SecondFactorMethod = "totp" | "passkey" | "recovery_code";

/**
 * The second steps this account offers, or none: an account needs a second factor once it has a
 * confirmed one (a TOTP authenticator or a passkey). Recovery codes are a way to finish the
 * second step, never a factor of their own.
 */
export async function secondFactorMethods(
  deps: Pick<Core, "db">,
  userId: string,
): Promise<SecondFactorMethod[]> {
  const [factors, recoveryCodes] = await orUnavailable(() =>
    Promise.all([
      deps.db.prisma.mfaFactor.findMany({
        where: { userId, confirmedAt: { not: null } },
        select: { type: true },
        distinct: ["type"],
      }),
      deps.db.prisma.recoveryCode.count({ where: { userId, usedAt: null } }),
    ]),
  );
  if (factors.length === 0) return [];
  const types = new Set(factors.map((factor) => factor.type));
  const methods: SecondFactorMethod[] = [];
  if (types.has("totp")) methods.push("totp");
  if (types.has("passkey")) methods.push("passkey");
  if (recoveryCodes > 0) methods.push("recovery_code");
  return methods;
}
