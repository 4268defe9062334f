import type { Core } from "../core";
import { AuthError } from "../errors";

export type Transaction = Parameters<Parameters<Core["db"]["prisma"]["$transaction"]>[0]>[0];

/**
 * Refuses to take away the last enabled admin (nobody could undo it). The enabled admins' rows
 * are locked first: two admins demoting or disabling each other at once would otherwise both
 * count two and leave none.
 */
export async function assertAnotherAdmin(tx: Transaction): Promise<void> {
  const admins = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM users WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE`;
  if (admins.length <= 1) throw new AuthError("LAST_ADMIN");
}
