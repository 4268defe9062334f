import pg from "pg";

/**
 * Any constant of our own. Not Prisma's 72707369: its schema engine may take that one itself, on
 * a connection of its own, and would then wait forever on ours.
 */
export const MIGRATION_LOCK_KEY = 4_828_540_471;

/**
 * Runs `run` holding the PostgreSQL advisory lock every migration run holds, so that N instances
 * started at once with MIGRATE_ON_START (or a `pnpm db:migrate` beside them) migrate once: the
 * first applies, the others wait, then find nothing left to apply. A session lock on a
 * connection of its own, so a migrator that dies releases it with its connection.
 */
export async function withMigrationLock<T>(url: string, run: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    return await run();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => null);
    await client.end().catch(() => undefined);
  }
}
