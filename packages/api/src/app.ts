import {
  createAuth,
  type Auth,
  type Clock,
  type PasswordHasher,
  type SecurityEvent,
} from "@authkit/auth";
import type { Config } from "@authkit/config";
import { openDatabase, type Database, type DatabaseTarget } from "@authkit/db";
import type { Mailer } from "@authkit/mail";

import { createLogger, type Logger } from "./http/log";
import { createAccountMailer } from "./mail";
import type { ApiSettings } from "./trpc";

/** Everything a running server holds: config, database, auth core. Built once at start-up. */
export interface App {
  config: Config;
  db: Database;
  auth: Auth;
  settings: ApiSettings;
  /** Structured logs (pino) at `LOG_LEVEL`: one line per request, and the security events. */
  logger: Logger;
  /** Sends the reset and verification mails in the background (tests wait on `idle()`). */
  mailer: Mailer;
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

/** Events a SOC should look at first; the rest are the audit trail. */
const WARN_EVENTS = new Set<SecurityEvent["event"]>([
  "login.rate_limited",
  "refresh.reuse",
  "password.change_failed",
  "revocation_store.rebuilding",
  "revocation_store.invalidated",
  "mail.failed",
]);

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  const logger =
    options.logger ?? createLogger({ level: config.logLevel, destination: options.logDestination });
  // The embedded database belongs to this process alone, so it migrates itself on start-up
  // (options.open). PostgreSQL is migrated by `pnpm db:migrate` as a deploy step.
  const db = options.db ?? (await (options.open ?? openDatabase)(config.database));
  const events = (event: SecurityEvent) => {
    const warn =
      WARN_EVENTS.has(event.event) ||
      (event.event === "admin.bootstrap" && event.reason === "password_reset");
    logger[warn ? "warn" : "info"](event, event.event);
  };
  const { mailer, send } = createAccountMailer(config, logger, events);
  const auth = await createAuth({
    config,
    db,
    clock: options.clock,
    passwords: options.passwords,
    events,
    mail: send,
  });
  // The key's id, never the key: instances that log different ids sign with different keys, and
  // every token one of them mints is refused by the others.
  logger.info({ kid: auth.keys.signing.kid, alg: auth.keys.signing.alg }, "signing key");
  if (config.admin) await auth.accounts.ensureAdmin(config.admin);
  const prune = setInterval(() => void auth.prune().catch(() => undefined), 10 * 60_000);
  prune.unref();
  return {
    config,
    db,
    auth,
    settings: {
      // `Secure` follows the scheme users reach the app by: an https APP_URL behind a proxy
      // gets secure cookies whatever NODE_ENV says, and plain-http local runs still work.
      secureCookies: new URL(config.appUrl).protocol === "https:",
      allowedOrigins: [new URL(config.appUrl).origin],
      liveTransport: config.live.transport,
    },
    logger,
    mailer,
    close: async () => {
      clearInterval(prune);
      // Tokens being issued queue their mails first; then the mailer finishes what it holds.
      await auth.settled();
      await mailer.close();
      await auth.close();
      if (!options.db) await db.close();
    },
  };
}
