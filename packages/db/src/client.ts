import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";

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
  close(): Promise<void>;
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if ("url" in target) {
    const adapterFactory = new PrismaPg({
      connectionString: target.url,
      max: 10,
      // A database that stops answering must turn into a 503, not a request that hangs.
      connectionTimeoutMillis: 5_000,
      query_timeout: 15_000,
    });
    const prisma = new PrismaClient({ adapter: adapterFactory });
    return {
      prisma,
      kind: "postgresql",
      target,
      adapterFactory,
      close: () => prisma.$disconnect(),
    };
  }
  let pglite: PGlite;
  if ("dataDir" in target) {
    // PGlite fails with an opaque engine error when the parent directory is missing.
    mkdirSync(dirname(target.dataDir), { recursive: true });
    pglite = await PGlite.create(target.dataDir);
  } else {
    pglite = await PGlite.create();
  }
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    prisma,
    kind: "pglite",
    target,
    adapterFactory,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
