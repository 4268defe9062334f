/**
 * Spends a TOTP code: RFC 6238 §5.2 says a verifier must not accept a code twice, so the step
 * a code matched is stored per factor and only a later step is accepted after it. The check and
 * the write are one conditional UPDATE: of two requests racing with one code, one wins.
 */
import { now, type Core } from "../core";
import { orUnavailable } from "../errors";
import { matchingStep } from "./totp";

export type UseTotpDeps = Pick<Core, "db" | "clock" | "secrets">;

/** Which factors a code may be for: the user's confirmed ones, or one being enrolled. */
export type TotpScope = { confirmed: true } | { enrolling: string };

/** The id of the factor the code was spent on, or null (wrong, replayed or too old). */
export async function useTotpCode(
  deps: UseTotpDeps,
  userId: string,
  code: string,
  scope: TotpScope,
): Promise<string | null> {
  const factors = await orUnavailable(() =>
    deps.db.prisma.mfaFactor.findMany({
      where: {
        userId,
        type: "totp",
        ...("enrolling" in scope
          ? { id: scope.enrolling, confirmedAt: null }
          : { confirmedAt: { not: null } }),
      },
      select: { id: true, totpSecret: true },
    }),
  );
  const at = now(deps);
  for (const factor of factors) {
    const opened = factor.totpSecret ? deps.secrets.open(factor.totpSecret, factor.id) : null;
    if (!opened) continue;
    const step = matchingStep(opened.plain, code.trim(), at.getTime());
    if (step === null) continue;
    const { count } = await orUnavailable(() =>
      deps.db.prisma.mfaFactor.updateMany({
        where: {
          id: factor.id,
          OR: [{ totpLastStep: null }, { totpLastStep: { lt: BigInt(step) } }],
        },
        data: {
          totpLastStep: BigInt(step),
          lastUsedAt: at,
          // Opened with a previous key: sealed again under the current one (rotation).
          ...(opened.stale ? { totpSecret: deps.secrets.seal(opened.plain, factor.id) } : {}),
        },
      }),
    );
    return count === 1 ? factor.id : null;
  }
  return null;
}
