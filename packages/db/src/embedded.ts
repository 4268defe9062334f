import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { openDatabase, type Database, type DatabaseTarget } from "./client";
import { pendingMigrations } from "./migrations";

export interface MigrateOptions {
  /** Told the names of the migrations applied, when there were any. */
  onApplied?: (names: string[]) => void;
}

/**
 * Opens the database a server runs on. The embedded one is migrated first: a new directory by
 * the child process alone (it creates and migrates it, then this process opens it once), an
 * existing one through migrateEmbedded. PostgreSQL is opened as is: `pnpm db:migrate` is its
 * deploy step, run once for all instances.
 */
export async function openMigrated(
  target: DatabaseTarget,
  options: MigrateOptions = {},
): Promise<Database> {
  if ("dataDir" in target && !existsSync(join(target.dataDir, "PG_VERSION"))) {
    options.onApplied?.(await runMigrationProcess(target.dataDir));
    return openDatabase(target);
  }
  return migrateEmbedded(await openDatabase(target), options);
}

/**
 * Brings the embedded database up to date without loading Prisma's schema engine in this
 * process. The usual start (nothing pending) costs one query. When migrations are pending, the
 * directory is closed (PGlite is single-process: only one process may have it open), a child
 * process applies them through the engine and exits, and the directory is opened again.
 * Returns the database to use from then on.
 */
export async function migrateEmbedded(
  db: Database,
  { onApplied }: MigrateOptions = {},
): Promise<Database> {
  if (db.kind !== "pglite") return db;
  const pending = await pendingMigrations(db);
  if (pending.length === 0) return db;
  if (!("dataDir" in db.target)) {
    // An in-memory database exists only in this process (tests): migrate it here.
    const { migrate } = await import("./migrate");
    onApplied?.(await migrate(db));
    return db;
  }
  await db.close();
  onApplied?.(await runMigrationProcess(db.target.dataDir));
  return openDatabase(db.target);
}

/** `cli migrate-pglite <dir>` in a child process; resolves with the migrations it applied. */
function runMigrationProcess(pgliteDir: string): Promise<string[]> {
  // Compiled (dist/*.js) in production; the TypeScript source under tsx or vitest.
  const compiled = import.meta.url.endsWith(".js");
  const cli = fileURLToPath(new URL(compiled ? "./cli.js" : "./cli.ts", import.meta.url));
  const loader = compiled ? ["--conditions=authkit-dist"] : ["--import", "tsx"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...loader, cli, "migrate-pglite", pgliteDir], {
      // packages/db: where `tsx` (a dependency of this package) resolves from.
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) {
        const last = stdout.trim().split("\n").pop() ?? "{}";
        resolve((JSON.parse(last) as { applied?: string[] }).applied ?? []);
      } else {
        reject(
          new Error(
            `Migrating the embedded database at ${pgliteDir} failed (${signal ?? `exit ${code}`}):\n${stderr.trim()}`,
          ),
        );
      }
    });
  });
}
