import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../src/testing";
import { vacuumWhereDue } from "../src/vacuum-where-due";

/**
 * PGlite has no autovacuum: dead rows stay and statistics are never gathered unless the server
 * does it. `vacuumWhereDue` does what autovacuum would, where its thresholds are passed.
 */
describe("vacuumWhereDue on PGlite", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("pglite");
  });
  afterAll(() => db.destroy());

  const stats = async () => {
    // Counts reach the statistics at most once a second, unless a flush is asked for.
    await db.prisma.$executeRaw`SELECT pg_stat_force_next_flush()`;
    const [row] = await db.prisma.$queryRaw<{ dead: number; tuples: number }[]>`
      SELECT s.n_dead_tup::int AS dead, c.reltuples::int AS tuples
      FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.relname = 'rate_limit_buckets'`;
    return row!;
  };

  it("vacuums and analyzes a churned table, then finds nothing due", async () => {
    await db.prisma.$executeRaw`
      INSERT INTO rate_limit_buckets (key, count, reset_at)
      SELECT 'k' || g, 1, now() + interval '1 minute' FROM generate_series(1, 200) g`;
    for (let i = 0; i < 3; i++)
      await db.prisma.$executeRaw`UPDATE rate_limit_buckets SET count = count + 1`;
    const before = await stats();
    // 600 rows died; page pruning during the updates may have taken some back already.
    expect(before.dead).toBeGreaterThan(300);
    // Never analyzed: PostgreSQL says -1 for "no statistics".
    expect(before.tuples).toBe(-1);

    expect(await vacuumWhereDue(db)).toContain("public.rate_limit_buckets");
    expect(await stats()).toEqual({ dead: 0, tuples: 200 });
    expect(await vacuumWhereDue(db)).toEqual([]);
  });
});
