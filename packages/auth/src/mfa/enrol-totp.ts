/**
 * Adding an authenticator app: `begin` makes an unconfirmed factor and shows its key once;
 * `confirm` enables it only after a correct code (proof the app holds the key). The first factor
 * an account enables also gets its recovery codes, and every other session of the account ends:
 * they were authenticated with less.
 */
import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { eventMeta } from "../events";
import { revokeSessions, type RevocationDeps } from "../revocation/revoke";
import { recordCredentialChange } from "../accounts/record-credential-change";
import type { Identity, RequestMeta } from "../types";
import { notifyOwner } from "./notify-owner";
import { replaceRecoveryCodes } from "./recovery-codes";
import { base32Secret, TOTP_SECRET_BYTES, totpUri } from "./totp";
import { useTotpCode, type UseTotpDeps } from "./use-totp-code";

export const DEFAULT_TOTP_NAME = "Authenticator app";

export interface TotpEnrolment {
  factorId: string;
  /** Base32, for manual entry; shown once, stored only encrypted. */
  secret: string;
  /** `otpauth://totp/…`, for the QR code. */
  uri: string;
}

/** Starts an enrolment; an earlier unfinished one of the user is dropped. */
export async function beginTotpEnrolment(
  deps: Pick<Core, "db" | "clock" | "random" | "secrets"> & {
    settings: Pick<Core["settings"], "totpIssuer">;
  },
  identity: Pick<Identity, "user">,
  name: string = DEFAULT_TOTP_NAME,
): Promise<TotpEnrolment> {
  const userId = identity.user.id;
  const { prisma } = deps.db;
  const user = await orUnavailable(() =>
    prisma.user.findUnique({ where: { id: userId }, select: { email: true } }),
  );
  if (!user) throw new AuthError("UNAUTHENTICATED");
  const key = Buffer.from(deps.random.token(TOTP_SECRET_BYTES), "base64url");
  const factorId = deps.random.uuid();
  await orUnavailable(() =>
    prisma.$transaction([
      prisma.mfaFactor.deleteMany({ where: { userId, type: "totp", confirmedAt: null } }),
      prisma.mfaFactor.create({
        data: {
          id: factorId,
          userId,
          type: "totp",
          name,
          createdAt: now(deps),
          totpSecret: deps.secrets.seal(key, factorId),
        },
        select: { id: true },
      }),
    ]),
  );
  return {
    factorId,
    secret: base32Secret(key),
    uri: totpUri(deps.settings.totpIssuer, user.email, key),
  };
}

export type ConfirmTotpDeps = UseTotpDeps & RevocationDeps & Pick<Core, "random" | "notify">;

/**
 * Enables the factor after a correct code: the recovery codes when it is the account's first
 * factor (else none), or MFA_CODE_INVALID. NOT_FOUND for a factor that is not the caller's
 * unfinished one.
 */
export async function confirmTotpEnrolment(
  deps: ConfirmTotpDeps,
  identity: Pick<Identity, "user" | "session">,
  { factorId, code }: { factorId: string; code: string },
  meta: RequestMeta = {},
): Promise<{ recoveryCodes: string[] | null }> {
  const userId = identity.user.id;
  const pending = await orUnavailable(() =>
    deps.db.prisma.mfaFactor.count({ where: { id: factorId, userId, confirmedAt: null } }),
  );
  if (pending !== 1) throw new AuthError("NOT_FOUND");
  if (!(await useTotpCode(deps, userId, code, { enrolling: factorId })))
    throw new AuthError("MFA_CODE_INVALID");
  const recoveryCodes = await enable(deps, userId, factorId);
  await revokeSessions(deps, userId, { allExcept: identity.session.id }, "mfa_changed", meta);
  deps.events({
    event: "mfa.enrolled",
    userId,
    factorId,
    factorType: "totp",
    sessionId: identity.session.id,
    ...eventMeta(meta),
  });
  await notifyOwner(deps, { kind: "mfa_factor_added", userId, factorType: "totp" });
  return { recoveryCodes };
}

/** Confirms the factor and, for the first one, issues recovery codes: one transaction. */
async function enable(
  deps: Pick<Core, "db" | "clock" | "random">,
  userId: string,
  factorId: string,
): Promise<string[] | null> {
  return orUnavailable(() =>
    deps.db.prisma.$transaction(async (tx) => {
      await recordCredentialChange(tx, userId);
      const { count } = await tx.mfaFactor.updateMany({
        where: { id: factorId, userId, confirmedAt: null },
        data: { confirmedAt: now(deps) },
      });
      if (count !== 1) throw new AuthError("NOT_FOUND");
      const others = await tx.mfaFactor.count({
        where: { userId, confirmedAt: { not: null }, id: { not: factorId } },
      });
      return others === 0 ? replaceRecoveryCodes(deps, tx, userId) : null;
    }),
  );
}
