/**
 * Start-up shared by the production servers (apps/web/server.ts and ./server.ts): parse the
 * configuration once, make the logger, check the database, build the App. What can go wrong
 * here is an operator's mistake, so it is reported as one readable message and the process
 * exits 1: no stack trace for a configuration error or an unreachable database.
 */
import pinoPretty from "pino-pretty";

import { isAuthError, KeyConfigError, RedisUnavailableError } from "@authkit/auth";
import { ConfigError, loadConfig, type Config } from "@authkit/config";
import {
  checkDatabase,
  DatabaseUnavailableError,
  describeTarget,
  errorReason,
  type Database,
  type DatabaseTarget,
} from "@authkit/db";

import { createApp, type App } from "./app";
import { createLogger, type Logger } from "./http/log";
import { lowerThreadPoolPriority, threadPoolSize } from "./thread-pool-priority";

/** A start-up failure whose message is the whole story (printed without a stack). */
export class StartupError extends Error {
  /** Already written through the logger (the configuration was valid). */
  logged = false;
  constructor(
    message: string,
    /** Structured fields for the log line (never secrets). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "StartupError";
  }
}

export interface StartOptions {
  /** `openMigrated` from `@authkit/db/embedded`: opens the database, migrating the embedded one. */
  open?: (
    target: DatabaseTarget,
    options: { onApplied(names: string[]): void; migrateOnStart: boolean },
  ) => Promise<Database>;
  /** Whether stdout is a terminal (decides the log format when LOG_FORMAT is unset). */
  isTTY?: boolean;
  /** Where log lines go instead of stdout (tests read them back). */
  destination?: NodeJS.WritableStream;
}

/** Pretty lines for a person at a terminal (or LOG_FORMAT=pretty), JSON lines for collectors. */
export function createStartupLogger(
  config: Config,
  { isTTY = false, destination }: Pick<StartOptions, "isTTY" | "destination"> = {},
): Logger {
  const pretty = config.logFormat === "pretty" || (config.logFormat === undefined && isTTY);
  if (pretty) {
    const stream = pinoPretty({
      colorize: isTTY && !destination,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
      destination: destination ?? 1,
      sync: true,
    });
    return createLogger({ level: config.logLevel, destination: stream });
  }
  return createLogger({
    level: config.logLevel,
    ...(destination ? { destination } : {}),
  });
}

/** Parses the environment; a bad value becomes a StartupError listing every problem. */
export function parseConfig(
  env: Record<string, string | undefined>,
  warnings: string[] = [],
): Config {
  try {
    return loadConfig(env, { warn: (message) => warnings.push(message) });
  } catch (error) {
    if (error instanceof ConfigError)
      throw new StartupError(error.message, { problems: error.problems });
    throw error;
  }
}

export interface Started {
  config: Config;
  logger: Logger;
  app: App;
}

/**
 * Configuration, logger, database check and App, in that order. Throws StartupError for what
 * an operator can fix, after logging it when there is a logger to log it with.
 */
export async function startApp(
  env: Record<string, string | undefined>,
  { open, isTTY, destination }: StartOptions = {},
): Promise<Started> {
  const warnings: string[] = [];
  const config = parseConfig(env, warnings);
  const logger = createStartupLogger(config, { isTTY, destination });
  for (const warning of warnings) logger.warn(warning);
  try {
    await checkDatabase(config.database);
    // Nothing to say when another instance applied them first (MIGRATE_ON_START).
    const onApplied = (names: string[]) => {
      if (names.length > 0)
        logger.info({ migrations: names }, `Migrated ${describeTarget(config.database)}`);
    };
    const app = await createApp(config, {
      logger,
      ...(open
        ? {
            open: (target: DatabaseTarget) =>
              open(target, { onApplied, migrateOnStart: config.migrateOnStart }),
          }
        : {}),
    });
    const pool = await lowerThreadPoolPriority({ poolSize: threadPoolSize(env) });
    logger.debug(pool, "thread pool below the event loop");
    return { config, logger, app };
  } catch (error) {
    const failure = startupFailure(config, error);
    // The full error (stack, WebAssembly frames and all) only for whoever asks for debug logs.
    logger.debug({ err: error }, "start-up failure");
    logger.fatal(failure.details, failure.message);
    failure.logged = true;
    throw failure;
  }
}

function startupFailure(config: Config, error: unknown): StartupError {
  const variable = "url" in config.database ? "DATABASE_URL" : "DATA_DIR";
  if (error instanceof DatabaseUnavailableError)
    return new StartupError(error.message, { variable, reason: error.reason });
  // The admin bootstrap is the only start-up step that sets a password (password policy).
  if (isAuthError(error, "PASSWORD_TOO_WEAK") || isAuthError(error, "PASSWORD_BREACHED"))
    return new StartupError(`Invalid configuration: ADMIN_PASSWORD: ${error.message}`, {
      variable: "ADMIN_PASSWORD",
    });
  // A key the configuration's own checks could not judge (a malformed PEM, a short RSA key).
  if (error instanceof KeyConfigError)
    return new StartupError(`Invalid configuration: ${error.message}`, {
      variable: error.variable,
    });
  // Pending (or unknown) migrations, and an embedded directory another process holds: the
  // message says what to run or stop.
  if (isCoded(error, "MIGRATIONS_PENDING")) return new StartupError(error.message, { variable });
  if (isCoded(error, "DATA_DIR_LOCKED"))
    return new StartupError(error.message, { variable: "DATA_DIR" });
  if (error instanceof RedisUnavailableError)
    return new StartupError(error.message, { variable: error.variable, reason: error.reason });
  // Opening or migrating the database, importing keys, creating the admin: say where, then
  // the underlying message.
  const reason = errorReason(error);
  return new StartupError(`Start-up failed on ${describeTarget(config.database)}: ${reason}`, {
    variable,
    reason,
  });
}

/**
 * By code rather than class: the database package's errors reach here from its compiled copy
 * under `--conditions=authkit-dist`, and from its source in tests.
 */
function isCoded(error: unknown, code: string): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === code;
}

/**
 * The process entry's catch: a StartupError has been logged (or, for a configuration error,
 * is printed to stderr as the list it is) and the process exits 1. Anything else is a bug and
 * keeps its stack.
 */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof StartupError) {
    if (!error.logged) process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
