import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import type * as EngineGlue from "@prisma/schema-engine-wasm/schema_engine_bg";

import { openDatabase, type Database } from "./client";
import { MIGRATIONS_DIR, PRISMA_DIR, readMigrationFiles, SCHEMA_PATH } from "./migrations";

/**
 * Migrations run through Prisma's WebAssembly schema engine over the app's own driver adapter,
 * so the same code migrates PostgreSQL and embedded PGlite with no native engine download.
 * The files stay in Prisma's standard layout, so `prisma migrate deploy` works where it can run.
 *
 * The engine (a 5 MB WebAssembly module, compiled and instantiated) stays in memory once
 * loaded, so servers never import this module: they check for pending migrations with
 * ./migrations and, only when some are pending, run this in a child process (./embedded).
 */
const NO_FILTER = { externalTables: [], externalEnums: [] };

type EngineModule = typeof EngineGlue;
let engineModule: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    // Node cannot import .wasm directly: instantiate it and hand it to the wasm-bindgen glue.
    const bg = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const gluePath = createRequire(import.meta.url).resolve(
      "@prisma/schema-engine-wasm/schema_engine_bg",
    );
    const bytes = await readFile(gluePath.replace(/\.js$/, ".wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bg });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start(): void };
    bg.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return bg;
  })();
  return engineModule;
}

async function withEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  run: (engine: SchemaEngine, schema: string) => Promise<T>,
): Promise<T> {
  const bg = await loadEngineModule();
  const schema = readFileSync(SCHEMA_PATH, "utf8");
  const engine = await bg.SchemaEngine.new(
    { datamodels: [[SCHEMA_PATH, schema]] },
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
  try {
    return await run(engine, schema);
  } finally {
    engine.free();
  }
}

function readMigrations(): MigrationList {
  let lockfile: string | null = null;
  try {
    lockfile = readFileSync(join(MIGRATIONS_DIR, "migration_lock.toml"), "utf8");
  } catch {
    lockfile = null;
  }
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: "migration_lock.toml", content: lockfile },
    shadowDbInitScript: "",
    migrationDirectories: readMigrationFiles().map(({ name, sql }) => ({
      path: name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: sql } },
    })),
  };
}

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function migrate(db: Pick<Database, "adapterFactory">): Promise<string[]> {
  return withEngine(db.adapterFactory, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: readMigrations(),
      filters: NO_FILTER,
    });
    return appliedMigrationNames;
  });
}

/**
 * The SQL that would bring a database holding every migration up to schema.prisma. Empty means
 * the migrations and the schema agree; anything else is drift (or a migration still to write).
 */
export async function pendingSchemaChanges(): Promise<string> {
  const scratch = await openDatabase({ memory: true });
  try {
    await migrate(scratch);
    return await withEngine(scratch.adapterFactory, async (engine, schema) => {
      const files = [{ path: SCHEMA_PATH, content: schema }];
      const { stdout } = await engine.diff({
        from: { tag: "schemaDatasource", files, configDir: PRISMA_DIR },
        to: { tag: "schemaDatamodel", files },
        script: true,
        exitCode: null,
        filters: NO_FILTER,
      });
      const sql = (stdout ?? "").trim();
      return sql === "-- This is an empty migration." ? "" : sql;
    });
  } finally {
    await scratch.close();
  }
}

/** Writes prisma/migrations/<timestamp>_<name>/migration.sql from the pending changes. */
export async function createMigration(name: string): Promise<string | null> {
  const sql = await pendingSchemaChanges();
  if (!sql) return null;
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = `${stamp}_${name.replace(/[^a-z0-9_]+/gi, "_").toLowerCase()}`;
  mkdirSync(join(MIGRATIONS_DIR, dir), { recursive: true });
  writeFileSync(join(MIGRATIONS_DIR, dir, "migration.sql"), `${sql}\n`);
  writeFileSync(
    join(MIGRATIONS_DIR, "migration_lock.toml"),
    '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
  );
  return dir;
}
