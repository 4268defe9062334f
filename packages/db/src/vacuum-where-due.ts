import type { Database } from "./client";

/** Autovacuum's default thresholds: dead rows past 50 + 20 % of live ones, changes past 50 + 10 %. */
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;

/**
 * What PostgreSQL's autovacuum does, for PGlite, which runs PostgreSQL single-user with no
 * autovacuum launcher: without it, the dead rows of every rotated refresh token and touched
 * session stay until a page happens to be pruned, and the planner never gets statistics. Each
 * table whose dead rows or changes since its last ANALYZE pass autovacuum's default thresholds is
 * vacuumed and analyzed; the others are left alone, so a quiet server does no work. Returns the
 * tables vacuumed. PGlite runs on the server's thread: a table of 100,000 refresh tokens with
 * 50,000 dead took 176 ms (82 ms once clean), paid once per threshold's worth of writes.
 */
export async function vacuumWhereDue(db: Pick<Database, "prisma">): Promise<string[]> {
  const due = await db.prisma.$queryRaw<{ name: string }[]>`
    SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables
    WHERE n_dead_tup > ${VACUUM_BASE}::float8 + ${VACUUM_SCALE}::float8 * n_live_tup
       OR n_mod_since_analyze > ${ANALYZE_BASE}::float8 + ${ANALYZE_SCALE}::float8 * n_live_tup
    ORDER BY relname`;
  for (const { name } of due) await db.prisma.$executeRawUnsafe(`VACUUM (ANALYZE) ${name}`);
  return due.map(({ name }) => name);
}
