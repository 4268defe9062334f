import {
  createAuth,
  PasswordHasher,
  type Auth,
  type Clock,
  type KeySet,
  type SecurityEvent,
} from "@authkit/auth";
import type { Config } from "@authkit/config";
import { openDatabase, vacuumWhereDue, type Database, type DatabaseTarget } from "@authkit/db";
import type { Mailer } from "@authkit/mail";

import { createInFlight, type InFlight } from "./http/in-flight";
import { createLogger, type Logger } from "./http/log";
import { createAccountMailer } from "./account-mailer";
import { createMetrics, type Metrics } from "./metrics/metrics";
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
  /** Requests being answered, and whether the server is draining (readiness, shutdown). */
  inFlight: InFlight;
  /** Prometheus metrics (served at /api/metrics when METRICS_TOKEN is set). */
  metrics: Metrics;
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
  /** How often a watched live session re-reads the database (default 15 s; tests shorten it). */
  liveRecheckMs?: number;
  /**
   * Serve revocations and rate-limit counters from memory, written through to the database.
   * Default: when this App opened the embedded database itself, whose data directory is then
   * locked to this process (no other writer exists). PostgreSQL, which other instances share,
   * keeps its per-request checks; a database handed in (tests) does too unless this says so.
   */
  ownsDatabase?: boolean;
}

/** Events a SOC should look at first; the rest are the audit trail. */
const WARN_EVENTS = new Set<SecurityEvent["event"]>([
  "login.rate_limited",
  "refresh.reuse",
  "password.change_failed",
  "revocation_store.rebuilding",
  "revocation_store.invalidated",
  "mail.failed",
  // The breach check failed open: new passwords go unchecked until the service answers.
  "password.breach_check_failed",
  // A correctly signed token nobody here minted: a verification key has leaked or is weak.
  "token.role_mismatch",
]);

/**
 * Each key's id and algorithm, never the key: instances that log different kids sign with
 * different keys, and refuse each other's tokens. HS256 secrets have no kid (packages/auth
 * keys.ts says why); they are named by the variable that holds them.
 */
function logKeys(logger: Logger, keys: KeySet): void {
  const { kid, alg, source } = keys.signing;
  logger.info({ kid, alg, source }, "signing key");
  for (const key of keys.verification)
    logger.info({ kid: key.kid, alg: key.alg, source: key.source }, "verification key");
}

/** What the API's procedures read from config. */
function apiSettings(config: Config): App["settings"] {
  return {
    // `Secure` follows the scheme users reach the app by: an https APP_URL behind a proxy gets
    // secure cookies whatever NODE_ENV says, and plain-http local runs still work.
    secureCookies: new URL(config.appUrl).protocol === "https:",
    allowedOrigins: [new URL(config.appUrl).origin],
    liveTransport: config.live.transport,
    deviceCookieMaxAge: config.auth.deviceCookieMaxAge,
  };
}

/**
 * Expired rows go every ten minutes. On an embedded database this process owns (`embedded`),
 * PGlite, which has no autovacuum, then vacuums and analyzes the tables whose dead rows passed
 * autovacuum's thresholds.
 */
function scheduleMaintenance(
  auth: Pick<Auth, "prune">,
  embedded: Pick<Database, "prisma"> | undefined,
): ReturnType<typeof setInterval> {
  const maintain = async () => {
    await auth.prune();
    if (embedded) await vacuumWhereDue(embedded);
  };
  const timer = setInterval(() => void maintain().catch(() => undefined), 10 * 60_000);
  timer.unref();
  return timer;
}

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  const logger =
    options.logger ?? createLogger({ level: config.logLevel, destination: options.logDestination });
  // The embedded database belongs to this process alone, so it migrates itself on start-up
  // (options.open). PostgreSQL is migrated by `pnpm db:migrate` as a deploy step.
  const db = options.db ?? (await (options.open ?? openDatabase)(config.database));
  const metrics = createMetrics();
  const inFlight = createInFlight();
  const passwords = options.passwords ?? new PasswordHasher();
  metrics.observe({
    passwordQueue: () => passwords.stats(),
    inFlight: () => inFlight.count,
    liveConnections: () => ({ sse: inFlight.streams, ws: 0 }),
    databaseStatements: () => db.statements.statements,
  });
  const events = (event: SecurityEvent) => {
    metrics.event(event);
    const warn =
      WARN_EVENTS.has(event.event) ||
      (event.event === "admin.bootstrap" && event.reason === "password_reset");
    logger[warn ? "warn" : "info"](event, event.event);
  };
  const { mailer, send, notify } = createAccountMailer(config, logger, events);
  const ownsDatabase = options.ownsDatabase ?? (!options.db && db.kind === "pglite");
  const auth = await createAuth({
    config,
    db,
    clock: options.clock,
    passwords,
    events,
    mail: send,
    notify,
    liveRecheckMs: options.liveRecheckMs,
    ownsDatabase,
  });
  logKeys(logger, auth.keys);
  if (config.admin) await auth.accounts.ensureAdmin(config.admin);
  const prune = scheduleMaintenance(auth, ownsDatabase && db.kind === "pglite" ? db : undefined);
  return {
    config,
    db,
    auth,
    settings: apiSettings(config),
    logger,
    mailer,
    inFlight,
    metrics,
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
