import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

import { authSecret, envSchema, type ParsedEnv, type TrustProxy } from "./schema";

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface Config {
  nodeEnv: ParsedEnv["NODE_ENV"];
  isProduction: boolean;
  port: number;
  appUrl: string;
  logLevel: ParsedEnv["LOG_LEVEL"];
  /** `undefined`: pretty when stdout is a terminal, JSON otherwise. */
  logFormat: ParsedEnv["LOG_FORMAT"];
  /** Which proxies may name the client in `X-Forwarded-For`; null = none (see schema.ts). */
  trustProxy: TrustProxy;
  auth: {
    /** HS256 secret (UTF-8 bytes); absent only when `privateKey` signs. */
    secret: string | undefined;
    privateKey: string | undefined;
    previousKeys: string[];
    issuer: string;
    audience: string;
    accessTokenTtl: number;
    refreshTokenTtl: number;
    clockTolerance: number;
    /** Seconds a rotated refresh token may come back as a benign race (0 = off). */
    refreshReuseGrace: number;
    maxSessionsPerUser: number;
  };
  database: { url: string } | { dataDir: string };
  dataDir: string;
  upstash: { url: string; token: string } | undefined;
  admin: { email: string; password: string } | undefined;
  /** `null` disables a limit. See the RATE_LIMIT_* variables in schema.ts for the defaults. */
  rateLimit: {
    loginAccount: RateLimitSetting | null;
    loginDevice: RateLimitSetting | null;
    loginIp: RateLimitSetting | null;
    loginSuccessAccount: RateLimitSetting | null;
    loginSuccessIp: RateLimitSetting | null;
    refreshIp: RateLimitSetting | null;
    registerIp: RateLimitSetting | null;
    passwordResetEmail: RateLimitSetting | null;
    passwordResetIp: RateLimitSetting | null;
    verificationResend: RateLimitSetting | null;
    liveIp: RateLimitSetting | null;
  };
  /** Live session events (`session.events`) over SSE or WebSocket. */
  live: {
    /** The transport the web app's browsers use. */
    transport: ParsedEnv["LIVE_TRANSPORT"];
    maxConnectionsPerSession: number;
    maxConnectionsPerUser: number;
  };
  mail: {
    /** Unset: mails are printed to the log in development and not sent in production. */
    smtpUrl: string | undefined;
    from: string;
  };
  accountTokens: {
    /** Seconds a password-reset link works. */
    passwordResetTtl: number;
    /** Seconds an email-verification link works. */
    emailVerificationTtl: number;
  };
  /** Login of an account whose email is not verified is refused (EMAIL_NOT_VERIFIED). */
  requireEmailVerification: boolean;
}

export interface RateLimitSetting {
  limit: number;
  windowSeconds: number;
}

export interface LoadConfigOptions {
  /** Called once when a development secret is generated or reused. */
  warn?: (message: string) => void;
  /** Where a relative `DATA_DIR` is looked up from; the process's working directory by default. */
  cwd?: string;
}

/**
 * The repository root (the folder holding pnpm-workspace.yaml) at or above `from`, or `from`
 * itself outside a workspace (a deployed bundle). A relative `DATA_DIR` is resolved against
 * it, so `pnpm start` (run at the root) and `next start` (run in apps/web) open one database
 * and one development secret.
 */
export function workspaceRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

/**
 * Parses the environment once, at start-up. Every problem names its variable, so a bad deploy
 * fails with one readable message instead of a 500 on the first request.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  { warn = (message) => console.warn(message), cwd = process.cwd() }: LoadConfigOptions = {},
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "env"}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === "production";
  const dataDir = resolve(workspaceRoot(cwd), e.DATA_DIR);
  const appUrl = (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");

  const problems: string[] = [];
  if (e.UPSTASH_REDIS_REST_URL && !e.UPSTASH_REDIS_REST_TOKEN) {
    problems.push("UPSTASH_REDIS_REST_TOKEN: required when UPSTASH_REDIS_REST_URL is set");
  }
  if (Boolean(e.ADMIN_EMAIL) !== Boolean(e.ADMIN_PASSWORD)) {
    problems.push("ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD must be set together");
  }
  let secret = e.AUTH_SECRET;
  if (!secret && !e.AUTH_PRIVATE_KEY) {
    if (isProduction) {
      problems.push(
        "AUTH_SECRET: required in production (or set AUTH_PRIVATE_KEY); generate one with `openssl rand -hex 32`",
      );
    } else {
      secret = developmentSecret(dataDir, warn);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    appUrl,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    trustProxy: e.TRUST_PROXY,
    auth: {
      secret,
      privateKey: e.AUTH_PRIVATE_KEY,
      previousKeys: e.AUTH_PREVIOUS_KEYS,
      issuer: e.AUTH_ISSUER ?? appUrl,
      audience: e.AUTH_AUDIENCE,
      accessTokenTtl: e.ACCESS_TOKEN_TTL,
      refreshTokenTtl: e.REFRESH_TOKEN_TTL,
      clockTolerance: e.CLOCK_TOLERANCE,
      refreshReuseGrace: e.REFRESH_REUSE_GRACE,
      maxSessionsPerUser: e.MAX_SESSIONS_PER_USER,
    },
    database: e.DATABASE_URL ? { url: e.DATABASE_URL } : { dataDir: join(dataDir, "pglite") },
    dataDir,
    upstash:
      e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN
        ? { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN }
        : undefined,
    admin:
      e.ADMIN_EMAIL && e.ADMIN_PASSWORD
        ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD }
        : undefined,
    rateLimit: {
      loginAccount: e.RATE_LIMIT_LOGIN_ACCOUNT,
      loginDevice: e.RATE_LIMIT_LOGIN_DEVICE,
      loginIp: e.RATE_LIMIT_LOGIN_IP,
      loginSuccessAccount: e.RATE_LIMIT_LOGIN_SUCCESS_ACCOUNT,
      loginSuccessIp: e.RATE_LIMIT_LOGIN_SUCCESS_IP,
      refreshIp: e.RATE_LIMIT_REFRESH_IP,
      registerIp: e.RATE_LIMIT_REGISTER_IP,
      passwordResetEmail: e.RATE_LIMIT_PASSWORD_RESET_EMAIL,
      passwordResetIp: e.RATE_LIMIT_PASSWORD_RESET_IP,
      verificationResend: e.RATE_LIMIT_VERIFICATION_RESEND,
      liveIp: e.RATE_LIMIT_LIVE_IP,
    },
    live: {
      transport: e.LIVE_TRANSPORT,
      maxConnectionsPerSession: e.LIVE_MAX_CONNECTIONS_PER_SESSION,
      maxConnectionsPerUser: e.LIVE_MAX_CONNECTIONS_PER_USER,
    },
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM ?? `no-reply@${new URL(appUrl).hostname}`,
    },
    accountTokens: {
      passwordResetTtl: e.PASSWORD_RESET_TTL,
      emailVerificationTtl: e.EMAIL_VERIFICATION_TTL,
    },
    requireEmailVerification: e.REQUIRE_EMAIL_VERIFICATION,
  };
}

/** Generated once per data directory so restarts keep sessions; never used in production. */
function developmentSecret(dataDir: string, warn: (message: string) => void): string {
  const file = join(dataDir, "auth-secret");
  try {
    const existing = readFileSync(file, "utf8").trim();
    if (authSecret.safeParse(existing).success) return existing;
  } catch {
    // First start: generate below.
  }
  const secret = randomBytes(32).toString("hex");
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  warn(
    `AUTH_SECRET is not set: generated a development secret in ${file}. Set AUTH_SECRET in production.`,
  );
  return secret;
}
