import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { createTestDatabase, postgresAvailable } from "../src/testing";

import { openDatabase, type Database } from "../src";
import { migrate, pendingSchemaChanges } from "../src/migrate";

async function tables(db: Database): Promise<string[]> {
  const rows = await db.prisma.$queryRaw<
    { table_name: string; column_name: string; data_type: string }[]
  >`
    SELECT table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema = 'public' ORDER BY table_name, column_name`;
  return rows.map((r) => `${r.table_name}.${r.column_name}:${r.data_type}`);
}

async function indexes(db: Database): Promise<string[]> {
  const rows = await db.prisma.$queryRaw<{ indexdef: string }[]>`
    SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`;
  return rows.map((r) => r.indexdef);
}

describe("migrations", () => {
  it("match schema.prisma (no drift)", async () => {
    expect(await pendingSchemaChanges()).toBe("");
  });

  it("are a no-op the second time on a PGlite directory", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "db-")), "nested", "pglite");
    const db = await openDatabase({ dataDir });
    try {
      expect((await migrate(db)).length).toBeGreaterThan(0);
      expect(await migrate(db)).toEqual([]);
    } finally {
      await db.close();
    }
    // Reopening the directory keeps the data and the migration history.
    const reopened = await openDatabase({ dataDir });
    try {
      expect(await migrate(reopened)).toEqual([]);
    } finally {
      await reopened.close();
    }
  });

  it("give PostgreSQL and PGlite the same tables and indexes", async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    const pglite = await createTestDatabase("pglite");
    const postgres = await createTestDatabase("postgresql");
    try {
      expect(await migrate(postgres)).toEqual([]);
      const pgliteTables = await tables(pglite);
      expect(pgliteTables).toContain("users.email:text");
      expect(await tables(postgres)).toEqual(pgliteTables);
      expect(await indexes(postgres)).toEqual(await indexes(pglite));
    } finally {
      await pglite.destroy();
      await postgres.destroy();
    }
  });
});
