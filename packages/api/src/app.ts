import { createAuth, type Auth, type Clock, type PasswordHasher } from "@authkit/auth";
import type { Config } from "@authkit/config";
import { openDatabase, type Database, type DatabaseTarget } from "@authkit/db";

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
   * Opens the database from config (default: `openDatabase`, no migrations). The servers pass
   * `openMigrated` from `@authkit/db/embedded`, which migrates the embedded database first;
   * injected rather than imported so bundles that never migrate (Next route handlers) stay small.
   */
  open?: (target: DatabaseTarget) => Promise<Database>;
  /** The logger to use (start-up made one already); otherwise one at LOG_LEVEL to stdout. */
  logger?: Logger;
  /** Where log lines go (tests read them back); stdout by default. */
  logDestination?: Parameters<typeof createLogger>[0]["destination"];
}

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  // The embedded database belongs to this process alone, so it migrates itself on start-up
  // (options.open). PostgreSQL is migrated by `pnpm db:migrate` as a deploy step.
  const db = options.db ?? (await (options.open ?? openDatabase)(config.database));
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
