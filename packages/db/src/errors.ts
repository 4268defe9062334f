import { Prisma } from "./generated/prisma/client";

/** True when a write failed on a unique index (Prisma's P2002), e.g. a duplicate email. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/** PostgreSQL's deadlock (40P01) and serialization failure (40001): the statement may run again. */
const WRITE_CONFLICTS = new Set(["40P01", "40001"]);

/**
 * True when the database rolled a statement back because it conflicted with a concurrent one (a
 * deadlock or a serialization failure): nothing it wrote remains, and running it again is safe.
 */
export function isWriteConflict(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2034") return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: unknown } })?.cause;
  return typeof cause?.originalCode === "string" && WRITE_CONFLICTS.has(cause.originalCode);
}

/**
 * Runs a single statement again when the database rolled it back as a write conflict: statements
 * that lock several rows in an order the planner picks (batched upserts, batched exchanges) can
 * deadlock with one another; PostgreSQL aborts one, which then simply goes again.
 */
export async function retryOnWriteConflict<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isWriteConflict(error)) throw error;
    }
  }
}
