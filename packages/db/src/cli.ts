import { ConfigError, loadConfig } from "@authkit/config";

import { describeTarget, errorReason } from "./check";
import { openDatabase, type DatabaseTarget } from "./client";
import { DataDirLockedError, HELD_BY_PARENT } from "./data-dir-lock";
import { createMigration, migrate, pendingSchemaChanges } from "./migrate";
import { withMigrationLock } from "./migration-lock";

/**
 * `migrate`: apply pending migrations to DATABASE_URL or the embedded PGlite directory.
 * `create <name>`: write a migration for schema.prisma's changes. `check`: fail on drift.
 * `migrate-pglite <dir>`: what a server runs in a child process when its embedded database has
 * pending migrations (the server holds the directory's lock); `migrate-postgres`: what a server
 * with MIGRATE_ON_START runs for DATABASE_URL. Both print `{ "applied": [...] }`.
 *
 * Built to dist/cli.js (`pnpm db:migrate` runs that, so production needs no TypeScript loader).
 *
 * Failures print the database's (or the engine's) message and exit 1: no stack trace, which
 * here would be twenty frames of WebAssembly.
 */
const [command = "migrate", name = "migration"] = process.argv.slice(2);

/**
 * PostgreSQL under the migration advisory lock (instances migrating at start wait on it too); an
 * embedded directory under its process lock, unless the parent process holds it already.
 */
async function apply(target: DatabaseTarget, { parentHoldsLock = false } = {}): Promise<string[]> {
  const run = async () => {
    const db = await openDatabase(target, parentHoldsLock ? { lock: HELD_BY_PARENT } : {});
    try {
      return await migrate(db);
    } finally {
      await db.close();
    }
  };
  return "url" in target ? withMigrationLock(target.url, run) : run();
}

async function main(): Promise<number> {
  if (command === "migrate") {
    // eslint-disable-next-line no-restricted-properties -- CLI entry point: the one place env is read
    const config = loadConfig(process.env, {
      warn: (message) => console.warn(message),
      // Migrating signs nothing: no key to require or generate.
      needsSigningKey: false,
    });
    const where = describeTarget(config.database);
    try {
      const applied = await apply(config.database);
      console.log(
        applied.length ? `Applied ${applied.join(", ")} to ${where}` : `${where} is up to date`,
      );
      return 0;
    } catch (error) {
      console.error(
        error instanceof DataDirLockedError
          ? error.message
          : `Migrating ${where} failed: ${errorReason(error)}`,
      );
      return 1;
    }
  }
  if (command === "migrate-pglite" || command === "migrate-postgres") {
    try {
      const target: DatabaseTarget =
        command === "migrate-pglite"
          ? { dataDir: name }
          : // eslint-disable-next-line no-restricted-properties -- set by the parent server only
            { url: process.env.DATABASE_URL ?? "" };
      const applied = await apply(target, { parentHoldsLock: command === "migrate-pglite" });
      console.log(JSON.stringify({ applied }));
      return 0;
    } catch (error) {
      console.error(errorReason(error));
      return 1;
    }
  }
  if (command === "create") {
    const dir = await createMigration(name);
    console.log(dir ? `Wrote prisma/migrations/${dir}/migration.sql` : "No schema changes");
    return 0;
  }
  if (command === "check") {
    const sql = await pendingSchemaChanges();
    if (sql) {
      console.error(`schema.prisma and prisma/migrations differ:\n${sql}`);
      return 1;
    }
    console.log("Migrations match schema.prisma");
    return 0;
  }
  console.error(`Unknown command ${command}: use migrate, create <name> or check`);
  return 2;
}

let code: number;
try {
  code = await main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  code = 1;
}
// Exit now: the schema engine leaves a timer behind that would keep the process alive ~10 s
// after the work is done and the database closed (a server waiting on `migrate-pglite` pays it).
process.exit(code);
