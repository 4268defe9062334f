import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";

import { countStatements, type StatementCounter } from "./count-statements";
import { lockDataDir, type DataDirLock } from "./data-dir-lock";
import { PrismaClient } from "./generated/prisma/client";

/** Where the data lives: PostgreSQL by URL, an embedded PGlite directory, or PGlite in memory. */
export type DatabaseTarget = { url: string } | { dataDir: string } | { memory: true };

export interface Database {
  prisma: PrismaClient;
  kind: "postgresql" | "pglite";
  /** What was opened, so the database can be closed and opened again (migrations). */
  target: DatabaseTarget;
  /** The driver adapter behind `prisma`, reused by the migrator so PGlite is opened only once. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Statements sent since it was opened (./count-statements): the metrics and the bench. */
  statements: Readonly<StatementCounter>;
  close(): Promise<void>;
}

/**
 * PGlite runs PostgreSQL inside this process's WebAssembly memory, which never shrinks: every
 * page Postgres touches stays resident. Its stock settings are a server's (shared_buffers 128MB,
 * which single-user PGlite allocates and touches at open: ~120 MiB of RSS before the first
 * query). An auth database's working set (users, sessions, refresh tokens, rate-limit counters)
 * is small and the files behind it stay in the OS page cache, so a small buffer pool costs
 * nothing measurable (BENCHMARKS.md). The WebAssembly module itself requires 128 MiB of
 * initial memory (PGlite's default); only the touched part is resident.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "16MB",
  // Per sort or hash; the app's queries sort a user's sessions at most.
  work_mem: "2MB",
  temp_buffers: "2MB",
  // VACUUM and index builds (migrations).
  maintenance_work_mem: "16MB",
};

function pgliteOptions() {
  return {
    startParams: [
      ...PGlite.defaultStartParams,
      ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
  };
}

export interface OpenOptions {
  /**
   * The embedded directory's lock, already held by the caller (which releases it). Without one,
   * opening a directory takes its lock and closing the database releases it.
   */
  lock?: DataDirLock;
}

export async function openDatabase(
  target: DatabaseTarget,
  { lock }: OpenOptions = {},
): Promise<Database> {
  const statements: StatementCounter = { statements: 0 };
  if ("url" in target) {
    const pg = new PrismaPg({
      connectionString: target.url,
      max: 10,
      // A database that stops answering must turn into a 503, not a request that hangs.
      connectionTimeoutMillis: 5_000,
      query_timeout: 15_000,
    });
    const adapterFactory = countStatements(pg, statements);
    const prisma = new PrismaClient({ adapter: adapterFactory });
    return {
      prisma,
      kind: "postgresql",
      target,
      adapterFactory,
      statements,
      close: () => prisma.$disconnect(),
    };
  }
  let pglite: PGlite;
  // Ours to release on close: the lock this call took (one process per directory).
  let ownLock: DataDirLock | undefined;
  if ("dataDir" in target) {
    // PGlite fails with an opaque engine error when the parent directory is missing.
    mkdirSync(dirname(target.dataDir), { recursive: true });
    ownLock = lock ? undefined : await lockDataDir(target.dataDir);
    try {
      pglite = await PGlite.create(target.dataDir, pgliteOptions());
    } catch (error) {
      await ownLock?.release();
      throw error;
    }
  } else {
    pglite = await PGlite.create(pgliteOptions());
  }
  const adapterFactory = countStatements(new PrismaPGlite(pglite), statements);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    prisma,
    kind: "pglite",
    target,
    adapterFactory,
    statements,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
      await ownLock?.release();
    },
  };
}
