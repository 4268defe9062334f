import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { isWriteConflict, retryOnWriteConflict } from "../src/errors";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../src/testing";

/**
 * Two transactions that lock the same two rows in opposite orders deadlock on PostgreSQL, which
 * aborts one of them. The order is forced by a condition, not a pause: each takes its first row,
 * and only once both hold one does either reach for the other's.
 */
describe.runIf(await postgresAvailable())("write conflicts on PostgreSQL", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
    await db.prisma.$executeRawUnsafe("CREATE TABLE conflict_rows (id int PRIMARY KEY, v int)");
    await db.prisma.$executeRawUnsafe("INSERT INTO conflict_rows VALUES (1, 0), (2, 0)");
  });
  afterAll(() => db.destroy());

  const raise = (id: number) => `UPDATE conflict_rows SET v = v + 1 WHERE id = ${id}`;

  /** Two transactions crossing over rows 1 and 2: one of them is the deadlock's victim. */
  function crossing(): Promise<PromiseSettledResult<void>[]> {
    let holding = 0;
    let bothHold!: () => void;
    const both = new Promise<void>((resolve) => (bothHold = resolve));
    const take = (first: number, second: number) =>
      db.prisma.$transaction(
        async (tx) => {
          await tx.$executeRawUnsafe(raise(first));
          if (++holding === 2) bothHold();
          await both;
          await tx.$executeRawUnsafe(raise(second));
        },
        { timeout: 30_000 },
      );
    return Promise.allSettled([take(1, 2), take(2, 1)]);
  }

  it("recognizes the deadlock's victim, and runs work again after one", async () => {
    const outcomes = await crossing();
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(lost).toHaveLength(1);
    const deadlock: unknown = lost[0]!.reason;
    expect(isWriteConflict(deadlock)).toBe(true);

    // The victim's statement goes again and lands; a third conflict in a row is given up.
    let runs = 0;
    await retryOnWriteConflict(async () => {
      if (++runs === 1) throw deadlock;
      await db.prisma.$executeRawUnsafe(raise(1));
    });
    expect(runs).toBe(2);
    runs = 0;
    const conflicting = (): Promise<never> => {
      runs++;
      throw deadlock;
    };
    const always = retryOnWriteConflict(conflicting);
    await expect(always).rejects.toBe(deadlock);
    expect(runs).toBe(3);
    const rows = await db.prisma.$queryRawUnsafe<{ v: number }[]>(
      "SELECT v FROM conflict_rows ORDER BY id",
    );
    // The winner raised both rows, the retried statement row 1 once more; the victim nothing.
    expect(rows.map((r) => r.v)).toEqual([2, 1]);
  });

  it("is not a write conflict when the statement is simply wrong, and that is not retried", async () => {
    let runs = 0;
    const wrong = retryOnWriteConflict(() => {
      runs++;
      return db.prisma.$executeRawUnsafe("UPDATE conflict_rows SET missing = 1");
    });
    await expect(wrong).rejects.toSatisfy((error) => !isWriteConflict(error));
    expect(runs).toBe(1);
  });
});
