/**
 * Recovery codes: the way back in when the authenticator is lost. Ten of them, 80 random bits
 * each, written as `xxxx-xxxx-xxxx-xxxx` (base32, lower case); shown once and stored only as
 * SHA-256 (a fast hash is enough for 80 random bits: there is nothing to guess from). Each one
 * works once; spending it is one conditional UPDATE, so two racing requests spend it once.
 */
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";

import { now, type Core } from "../core";
import { orUnavailable } from "../errors";
import { sha256 } from "../random";

export const RECOVERY_CODE_COUNT = 10;
/** 80 bits: 16 base32 characters. */
const RECOVERY_CODE_BYTES = 10;
/** A code as shown is 19 characters; anything much longer is not one. */
export const MAX_RECOVERY_CODE_LENGTH = 64;

/** The part of a Prisma (transaction) client that replaces a user's codes. */
export type RecoveryCodeTx = Pick<Core["db"]["prisma"], "recoveryCode">;

/** The same code however it was typed: case, spaces and dashes do not matter. */
export const recoveryCodeHash = (code: string): string =>
  sha256(`recovery:${code.toLowerCase().replace(/[^a-z0-9]/g, "")}`);

/** A new readable code. */
export function newRecoveryCode(deps: Pick<Core, "random">): string {
  const bytes = Buffer.from(deps.random.token(RECOVERY_CODE_BYTES), "base64url");
  return encodeBase32LowerCaseNoPadding(bytes).match(/.{4}/g)!.join("-");
}

/** Replaces the user's codes with a new set, inside the caller's transaction: the old set dies. */
export async function replaceRecoveryCodes(
  deps: Pick<Core, "random" | "clock">,
  tx: RecoveryCodeTx,
  userId: string,
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode(deps));
  await tx.recoveryCode.deleteMany({ where: { userId } });
  await tx.recoveryCode.createMany({
    data: codes.map((code) => ({ codeHash: recoveryCodeHash(code), userId, createdAt: now(deps) })),
  });
  return codes;
}

/** Spends one of the user's codes: how many are left, or null if it was not a live one. */
export async function spendRecoveryCode(
  deps: Pick<Core, "db" | "clock">,
  userId: string,
  code: string,
): Promise<number | null> {
  if (code.length > MAX_RECOVERY_CODE_LENGTH) return null;
  const { prisma } = deps.db;
  const { count } = await orUnavailable(() =>
    prisma.recoveryCode.updateMany({
      where: { codeHash: recoveryCodeHash(code), userId, usedAt: null },
      data: { usedAt: now(deps) },
    }),
  );
  if (count !== 1) return null;
  return orUnavailable(() => prisma.recoveryCode.count({ where: { userId, usedAt: null } }));
}
