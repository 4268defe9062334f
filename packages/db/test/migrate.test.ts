import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { createTestDatabase, postgresAvailable } from "../src/testing";

import { openDatabase, type Database } from "../src";
import { migrateEmbedded, openMigrated } from "../src/embedded";
import { migrate, pendingSchemaChanges } from "../src/migrate";
import { pendingMigrations, readMigrationFiles } from "../src/migrations";

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

  it("bring an embedded directory up to date in a child process, then only check it", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "db-")), "pglite");
    const names = readMigrationFiles().map((file) => file.name);
    const opened = await openDatabase({ dataDir });
    expect(await pendingMigrations(opened)).toEqual(names);
    const applied: string[][] = [];
    // Closes the directory, lets the child process migrate it, opens it again.
    const db = await migrateEmbedded(opened, { onApplied: (list) => applied.push(list) });
    try {
      expect(db).not.toBe(opened);
      expect(applied).toEqual([names]);
      expect(await pendingMigrations(db)).toEqual([]);
      expect(await db.prisma.user.count()).toBe(0);
      // Up to date: the same database back, no child process, nothing applied.
      expect(await migrateEmbedded(db, { onApplied: (list) => applied.push(list) })).toBe(db);
      expect(applied).toHaveLength(1);
      // A migration file edited after it was applied is not "up to date": the engine decides.
      await db.prisma.$executeRaw`UPDATE _prisma_migrations SET checksum = 'edited'`;
      expect(await pendingMigrations(db)).toEqual(names);
    } finally {
      await db.close();
    }
  });

  // `onApplied?.(await migrate())` skipped the migration itself when nobody listened: a tool that
  // opened a new embedded directory without a listener (users:import) found no tables.
  it("migrate a new embedded directory for a caller that does not listen", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "db-")), "pglite");
    const db = await openMigrated({ dataDir });
    try {
      expect(await pendingMigrations(db)).toEqual([]);
      expect(await db.prisma.user.count()).toBe(0);
    } finally {
      await db.close();
    }
  });
});
