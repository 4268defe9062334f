import { ConfigError, loadConfig } from "@authkit/config";

import { describeTarget, errorReason } from "./check";
import { openDatabase, type DatabaseTarget } from "./client";
import { createMigration, migrate, pendingSchemaChanges } from "./migrate";

/**
 * `migrate`: apply pending migrations to DATABASE_URL or the embedded PGlite directory.
 * `create <name>`: write a migration for schema.prisma's changes. `check`: fail on drift.
 * `migrate-pglite <dir>`: what a server runs in a child process when its embedded database has
 * pending migrations (prints `{ "applied": [...] }`).
 *
 * Failures print the database's (or the engine's) message and exit 1: no stack trace, which
 * here would be twenty frames of WebAssembly.
 */
const [command = "migrate", name = "migration"] = process.argv.slice(2);

async function apply(target: DatabaseTarget): Promise<string[]> {
  const db = await openDatabase(target);
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}

async function main(): Promise<number> {
  if (command === "migrate") {
    // eslint-disable-next-line no-restricted-properties -- CLI entry point: the one place env is read
    const config = loadConfig(process.env, { warn: (message) => console.warn(message) });
    const where = describeTarget(config.database);
    try {
      const applied = await apply(config.database);
      console.log(
        applied.length ? `Applied ${applied.join(", ")} to ${where}` : `${where} is up to date`,
      );
      return 0;
    } catch (error) {
      console.error(`Migrating ${where} failed: ${errorReason(error)}`);
      return 1;
    }
  }
  if (command === "migrate-pglite") {
    try {
      console.log(JSON.stringify({ applied: await apply({ dataDir: name }) }));
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
