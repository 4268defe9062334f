import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import type { Database } from "./client";

/**
 * The migration files, in Prisma's standard layout (prisma/migrations/<name>/migration.sql), and
 * what a database says it has applied. No schema engine here: the serving process uses this to
 * decide whether a migration run is needed at all.
 */

/** The repository's prisma/ directory, found from this file whether it runs as src/ or dist/. */
function findPrismaDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "prisma", "schema.prisma"))) return join(dir, "prisma");
    const parent = dirname(dir);
    if (parent === dir) throw new Error("prisma/schema.prisma not found above packages/db");
    dir = parent;
  }
}

export const PRISMA_DIR = findPrismaDir();
export const SCHEMA_PATH = join(PRISMA_DIR, "schema.prisma");
export const MIGRATIONS_DIR = join(PRISMA_DIR, "migrations");

export interface MigrationFile {
  name: string;
  sql: string;
  /** What Prisma stores in `_prisma_migrations.checksum`: SHA-256 of the file, hex. */
  checksum: string;
}

export function readMigrationFiles(): MigrationFile[] {
  let names: string[] = [];
  try {
    names = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    // No migrations yet.
  }
  return names.map((name) => {
    const sql = readFileSync(join(MIGRATIONS_DIR, name, "migration.sql"), "utf8");
    return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
  });
}

/**
 * Migrations the database has not cleanly applied: missing, failed, rolled back, or applied from
 * a file that has changed since. Empty means up to date. Anything else is the schema engine's to
 * handle (apply, or refuse with its own message).
 */
export async function pendingMigrations(db: Pick<Database, "prisma">): Promise<string[]> {
  const files = readMigrationFiles();
  const [{ present } = { present: false }] = await db.prisma.$queryRaw<{ present: boolean }[]>`
    SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`;
  if (!present) return files.map((file) => file.name);
  const applied = await db.prisma.$queryRaw<{ migration_name: string; checksum: string }[]>`
    SELECT migration_name, checksum FROM _prisma_migrations
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const done = new Set(applied.map((row) => `${row.migration_name}:${row.checksum}`));
  return files.filter((file) => !done.has(`${file.name}:${file.checksum}`)).map((f) => f.name);
}

/**
 * Migrations the database has applied that this release does not have: it was migrated by a
 * newer release, whose schema this code may not read correctly.
 */
export async function unknownMigrations(db: Pick<Database, "prisma">): Promise<string[]> {
  const [{ present } = { present: false }] = await db.prisma.$queryRaw<{ present: boolean }[]>`
    SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`;
  if (!present) return [];
  const applied = await db.prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const known = new Set(readMigrationFiles().map((file) => file.name));
  return applied.map((row) => row.migration_name).filter((name) => !known.has(name));
}
