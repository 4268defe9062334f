import type { Prisma } from "./generated/prisma/client";

/**
 * The only shape of a user that leaves the database for a response. Declared once so a password
 * hash can never be selected by accident.
 */
export const publicUserSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
} satisfies Prisma.UserSelect;

/** What login needs: the public fields plus the hash, the token version and whether it is disabled. */
export const credentialUserSelect = {
  ...publicUserSelect,
  passwordHash: true,
  tokenVersion: true,
  disabledAt: true,
} satisfies Prisma.UserSelect;

export type PublicUser = Prisma.UserGetPayload<{ select: typeof publicUserSelect }>;
