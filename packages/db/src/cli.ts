import { loadConfig } from "@authkit/config";

import { openDatabase } from "./client";
import { createMigration, migrate, pendingSchemaChanges } from "./migrate";

/** `migrate`: apply pending migrations to DATABASE_URL or the embedded PGlite directory.
 *  `create <name>`: write a migration for schema.prisma's changes. `check`: fail on drift. */
const [command = "migrate", name = "migration"] = process.argv.slice(2);

if (command === "migrate") {
  // eslint-disable-next-line no-restricted-properties -- CLI entry point: the one place env is read
  const config = loadConfig(process.env);
  const db = await openDatabase(config.database);
  try {
    const applied = await migrate(db);
    const where = "url" in config.database ? "PostgreSQL" : `PGlite at ${config.database.dataDir}`;
    console.log(
      applied.length ? `Applied ${applied.join(", ")} to ${where}` : `${where} is up to date`,
    );
  } finally {
    await db.close();
  }
} else if (command === "create") {
  const dir = await createMigration(name);
  console.log(dir ? `Wrote prisma/migrations/${dir}/migration.sql` : "No schema changes");
} else if (command === "check") {
  const sql = await pendingSchemaChanges();
  if (sql) {
    console.error(`schema.prisma and prisma/migrations differ:\n${sql}`);
    process.exit(1);
  }
  console.log("Migrations match schema.prisma");
} else {
  console.error(`Unknown command ${command}: use migrate, create <name> or check`);
  process.exit(2);
}
