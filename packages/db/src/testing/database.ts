import { randomBytes } from "node:crypto";

import pg from "pg";

import { openDatabase, type Database } from "../client";
import { migrate } from "../migrate";

import { IN_CI, POSTGRES_ADMIN_URL } from "./env";

export type DatabaseKind = "pglite" | "postgresql";

export interface TestDatabase extends Database {
  /** Connection target, for starting a server process on the same data. */
  url: string | undefined;
  /** Closes the client and drops the throw-away PostgreSQL database. */
  destroy(): Promise<void>;
}

let postgresReachable: Promise<boolean> | undefined;

/**
 * Whether the suite can reach PostgreSQL. In CI a missing server is a failure, never a skip:
 * a green run that tested nothing would be a lie.
 */
export function postgresAvailable(): Promise<boolean> {
  postgresReachable ??= (async () => {
    const client = new pg.Client({
      connectionString: POSTGRES_ADMIN_URL,
      connectionTimeoutMillis: 2000,
    });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch (error) {
      const hint = `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (set TEST_DATABASE_URL, or start it: pg_ctlcluster <version> main start).`;
      if (IN_CI) throw new Error(`${hint} ${String(error)}`);
      console.warn(`${hint} PostgreSQL tests are skipped outside CI.`);
      return false;
    }
  })();
  return postgresReachable;
}

/** The kinds to run a database suite against: both in CI, PGlite alone when PostgreSQL is absent. */
export async function databaseKinds(): Promise<DatabaseKind[]> {
  return (await postgresAvailable()) ? ["pglite", "postgresql"] : ["pglite"];
}

/** A fresh, migrated database of the given kind that no other test touches. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const db = await openDatabase({ memory: true });
    await migrate(db);
    return { ...db, url: undefined, destroy: () => db.close() };
  }
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  await migrate(db);
  return {
    ...db,
    url: url.toString(),
    destroy: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
