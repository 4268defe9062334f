/** Mailed single-use tokens: stored as SHA-256, one live token per user and purpose. */
import { now, type Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import { sha256 } from "../random";

export type AccountTokenPurpose = "password_reset" | "email_verification";

/** 256 bits: guessing one is hopeless, so following a link needs no rate limit of its own. */
const TOKEN_BYTES = 32;
/** base64url of 32 bytes is 43 characters; anything much longer is not ours. */
export const MAX_ACCOUNT_TOKEN_LENGTH = 64;

/** A fresh token for `userId`; every earlier token of the same purpose stops working. */
export async function issueAccountToken(
  deps: Pick<Core, "db" | "clock" | "random">,
  userId: string,
  purpose: AccountTokenPurpose,
  ttlSeconds: number,
): Promise<string> {
  const { prisma } = deps.db;
  const raw = deps.random.token(TOKEN_BYTES);
  const at = now(deps);
  await orUnavailable(() =>
    prisma.$transaction([
      prisma.accountToken.deleteMany({ where: { userId, purpose, consumedAt: null } }),
      prisma.accountToken.create({
        data: {
          tokenHash: sha256(raw),
          userId,
          purpose,
          createdAt: at,
          expiresAt: new Date(at.getTime() + ttlSeconds * 1000),
        },
        select: { tokenHash: true },
      }),
    ]),
  );
  return raw;
}

/**
 * The user a token is live for, without using it up (so a reset whose hashing fails can be
 * retried). Used, expired, unknown or malformed: one INVALID_TOKEN, whichever it was.
 */
export async function peekAccountToken(
  deps: Pick<Core, "db" | "clock">,
  raw: string,
  purpose: AccountTokenPurpose,
): Promise<string> {
  if (raw.length > MAX_ACCOUNT_TOKEN_LENGTH) throw new AuthError("INVALID_TOKEN");
  const row = await orUnavailable(() =>
    deps.db.prisma.accountToken.findFirst({
      where: { tokenHash: sha256(raw), purpose, consumedAt: null, expiresAt: { gt: now(deps) } },
      select: { userId: true },
    }),
  );
  if (!row) throw new AuthError("INVALID_TOKEN");
  return row.userId;
}

/**
 * Uses a token up inside a transaction: exactly one caller wins a race for it. Returns the
 * user's id, or throws INVALID_TOKEN.
 */
export async function consumeAccountToken(
  tx: Pick<Core["db"]["prisma"], "accountToken">,
  raw: string,
  purpose: AccountTokenPurpose,
  at: Date,
): Promise<string> {
  const tokenHash = sha256(raw);
  const row = await tx.accountToken.findUnique({
    where: { tokenHash },
    select: { userId: true, purpose: true },
  });
  if (!row || row.purpose !== purpose) throw new AuthError("INVALID_TOKEN");
  const { count } = await tx.accountToken.updateMany({
    where: { tokenHash, consumedAt: null, expiresAt: { gt: at } },
    data: { consumedAt: at },
  });
  if (count !== 1) throw new AuthError("INVALID_TOKEN");
  return row.userId;
}
