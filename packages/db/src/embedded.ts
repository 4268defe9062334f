import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { describeTarget } from "./check";
import { openDatabase, type Database, type DatabaseTarget } from "./client";
import { lockDataDir, type DataDirLock } from "./data-dir-lock";
import { pendingMigrations, unknownMigrations } from "./migrations";

export interface MigrateOptions {
  /** Told the names of the migrations applied, when there were any. */
  onApplied?: (names: string[]) => void;
  /**
   * PostgreSQL: apply pending migrations at start (MIGRATE_ON_START) under the advisory lock,
   * instead of refusing to start. The embedded database always migrates itself.
   */
  migrateOnStart?: boolean;
  /** The embedded directory's lock, when the caller already holds it. */
  lock?: DataDirLock;
}

/**
 * The database's migrations and this release's differ, and the server will not run on it: a
 * database that is behind (or empty) answers every query with a missing table, one that is
 * ahead was migrated by a newer release.
 */
export class MigrationStateError extends Error {
  readonly code = "MIGRATIONS_PENDING";
  constructor(
    message: string,
    readonly pending: string[],
    readonly unknown: string[],
  ) {
    super(message);
    this.name = "MigrationStateError";
  }
}

/**
 * Opens the database a server runs on, migrated. The embedded one is locked to this process
 * (released when the database is closed) and migrated first: a new directory by the child
 * process alone (it creates and migrates it, then this process opens it once), an existing one
 * through migrateEmbedded. PostgreSQL is checked: pending migrations stop the start unless
 * `migrateOnStart`, which applies them (once, whoever else starts beside us).
 */
export async function openMigrated(
  target: DatabaseTarget,
  options: MigrateOptions = {},
): Promise<Database> {
  if ("url" in target) return openPostgresMigrated(target, options);
  if (!("dataDir" in target)) return migrateEmbedded(await openDatabase(target), options);
  const lock = options.lock ?? (await lockDataDir(target.dataDir));
  try {
    let db: Database;
    if (!existsSync(join(target.dataDir, "PG_VERSION"))) {
      // Not `onApplied?.(await …)`: optional chaining would skip the migration without a listener.
      const applied = await runMigrationProcess(["migrate-pglite", target.dataDir]);
      options.onApplied?.(applied);
      db = await openDatabase(target, { lock });
    } else {
      db = await migrateEmbedded(await openDatabase(target, { lock }), { ...options, lock });
    }
    if (options.lock) return db;
    return { ...db, close: () => db.close().finally(() => lock.release()) };
  } catch (error) {
    if (!options.lock) await lock.release();
    throw error;
  }
}

async function openPostgresMigrated(
  target: { url: string },
  { onApplied, migrateOnStart = false }: MigrateOptions,
): Promise<Database> {
  const db = await openDatabase(target);
  try {
    const unknown = await unknownMigrations(db);
    if (unknown.length > 0)
      throw new MigrationStateError(
        `${describeTarget(target)} has ${unknown.length} migration${unknown.length === 1 ? "" : "s"} this release does not know (${unknown.join(", ")}): it was migrated by a newer release. Run that release, or restore a backup taken before it`,
        [],
        unknown,
      );
    const pending = await pendingMigrations(db);
    if (pending.length === 0) return db;
    if (!migrateOnStart)
      throw new MigrationStateError(
        `${pending.length} migration${pending.length === 1 ? "" : "s"} pending on ${describeTarget(target)}: run \`pnpm db:migrate\`, or set MIGRATE_ON_START=true`,
        pending,
        [],
      );
    // The engine runs in a child process (see runMigrationProcess), under the advisory lock.
    onApplied?.(await runMigrationProcess(["migrate-postgres"], { DATABASE_URL: target.url }));
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Brings the embedded database up to date without loading Prisma's schema engine in this
 * process. The usual start (nothing pending) costs one query. When migrations are pending, the
 * directory is closed (PGlite is single-process: only one process may have it open), a child
 * process applies them through the engine and exits, and the directory is opened again (with
 * `lock`, as openMigrated passes it, the directory stays locked to this process throughout).
 * Returns the database to use from then on.
 */
export async function migrateEmbedded(
  db: Database,
  { onApplied, lock }: MigrateOptions = {},
): Promise<Database> {
  if (db.kind !== "pglite") return db;
  const pending = await pendingMigrations(db);
  if (pending.length === 0) return db;
  if (!("dataDir" in db.target)) {
    // An in-memory database exists only in this process (tests): migrate it here.
    const { migrate } = await import("./migrate");
    const applied = await migrate(db);
    onApplied?.(applied);
    return db;
  }
  await db.close();
  const applied = await runMigrationProcess(["migrate-pglite", db.target.dataDir]);
  onApplied?.(applied);
  return openDatabase(db.target, lock ? { lock } : {});
}

/**
 * The db CLI in a child process (`migrate-pglite <dir>`, `migrate-postgres`); resolves with the
 * migrations it applied. The schema engine (a 5 MB WebAssembly module) then never stays in the
 * server's memory.
 */
function runMigrationProcess(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  // Compiled (dist/*.js) in production; the TypeScript source under tsx or vitest.
  const compiled = import.meta.url.endsWith(".js");
  const cli = fileURLToPath(new URL(compiled ? "./cli.js" : "./cli.ts", import.meta.url));
  const loader = compiled ? ["--conditions=authkit-dist"] : ["--import", "tsx"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...loader, cli, ...args], {
      // packages/db: where `tsx` (a development dependency of this package) resolves from.
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      // Only what the CLI reads (NODE_ENV too: Next's types, when apps/web compiles this file,
      // make it a required key of every environment).
      // eslint-disable-next-line no-restricted-properties -- the child's environment, not config
      env: { PATH: process.env.PATH, NODE_ENV: process.env.NODE_ENV, ...env },
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
        const where =
          args[0] === "migrate-pglite" ? `the embedded database at ${args[1]}` : "the database";
        reject(
          new Error(`Migrating ${where} failed (${signal ?? `exit ${code}`}):\n${stderr.trim()}`),
        );
      }
    });
  });
}
