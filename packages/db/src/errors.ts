import { Prisma } from "./generated/prisma/client";

/** True when a write failed on a unique index (Prisma's P2002), e.g. a duplicate email. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
