import { createAuth, type Auth, type Clock, type PasswordHasher } from "@authkit/auth";
import type { Config } from "@authkit/config";
import { openDatabase, type Database } from "@authkit/db";

import { createLogger, type Logger } from "./http/log";
import type { ApiSettings } from "./trpc";

/** Everything a running server holds: config, database, auth core. Built once at start-up. */
export interface App {
  config: Config;
  db: Database;
  auth: Auth;
  settings: ApiSettings;
  /** Structured logs (pino) at `LOG_LEVEL`; one line per request from the HTTP mounts. */
  logger: Logger;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  clock?: Clock;
  passwords?: PasswordHasher;
  /** An already open database (tests); otherwise opened from config. */
  db?: Database;
  /**
   * Brings the embedded database up to date before use and returns the database to use (pass
   * `migrateEmbedded` from `@authkit/db/embedded`, which may close and reopen it). Injected
   * rather than imported so bundles that never migrate (Next route handlers) stay small.
   */
  migrate?: (db: Database) => Promise<Database>;
  /** The logger to use (start-up made one already); otherwise one at LOG_LEVEL to stdout. */
  logger?: Logger;
  /** Where log lines go (tests read them back); stdout by default. */
  logDestination?: Parameters<typeof createLogger>[0]["destination"];
}

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  let db = options.db ?? (await openDatabase(config.database));
  // The embedded database belongs to this process alone, so it migrates itself on start-up.
  // PostgreSQL is migrated by `pnpm db:migrate` as a deploy step, once for all instances.
  if (!options.db && db.kind === "pglite" && options.migrate) db = await options.migrate(db);
  const auth = await createAuth({ config, db, clock: options.clock, passwords: options.passwords });
  if (config.admin) await auth.service.ensureAdmin(config.admin);
  const prune = setInterval(
    () => void auth.service.pruneExpired().catch(() => undefined),
    10 * 60_000,
  );
  prune.unref();
  return {
    config,
    db,
    auth,
    settings: {
      secureCookies: config.isProduction,
      allowedOrigins: [new URL(config.appUrl).origin],
    },
    logger:
      options.logger ??
      createLogger({ level: config.logLevel, destination: options.logDestination }),
    close: async () => {
      clearInterval(prune);
      await auth.bus.close();
      if (!options.db) await db.close();
    },
  };
}
