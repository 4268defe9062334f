import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

import { authSecret, envSchema, type ParsedEnv, type TrustProxy } from "./schema";
import { isSharedSecret } from "./secret-problem";
import { webauthnSettings, type WebAuthnSettings } from "./webauthn";

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
    /** Seconds a device cookie vouches for its browser (Max-Age and the server's own check). */
    deviceCookieMaxAge: number;
  };
  database: { url: string } | { dataDir: string };
  dataDir: string;
  /** PostgreSQL: apply pending migrations at start instead of refusing to start. */
  migrateOnStart: boolean;
  /** Seconds a shutdown waits for in-flight requests. */
  shutdownTimeout: number;
  /** The bearer token `/api/metrics` requires; undefined: no metrics endpoint. */
  metricsToken: string | undefined;
  upstash: { url: string; token: string } | undefined;
  /** A plain Redis (`REDIS_URL`); never set together with `upstash`. */
  redis: { url: string } | undefined;
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
    liveTicket: RateLimitSetting | null;
    passkeyOptionsIp: RateLimitSetting | null;
  };
  /** The Node HTTP server's timeouts (milliseconds) and connection caps (HTTP_* variables). */
  http: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
    maxConnectionsPerAddress: number;
  };
  /** Live session events (`session.events`) over SSE or WebSocket. */
  live: {
    /** The transport the web app's browsers use. */
    transport: ParsedEnv["LIVE_TRANSPORT"];
    /** Open SSE streams and WebSockets together, per session and per user, on one instance. */
    maxConnectionsPerSession: number;
    maxConnectionsPerUser: number;
    maxSocketSubscriptions: number;
    /** The per-socket token bucket; null turns it off. */
    socketMessageRate: RateLimitSetting | null;
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
  mfa: {
    /** Who must sign in with a second factor (MFA_REQUIRED_FOR). */
    requiredFor: ParsedEnv["MFA_REQUIRED_FOR"];
    /** Seconds since `auth_time` within which a sign-in counts as fresh (REAUTH_MAX_AGE). */
    reauthMaxAge: number;
    /** MFA_ENCRYPTION_KEY: what TOTP secrets are encrypted under; unset, one derived from the signing key. */
    encryptionKey: string | undefined;
    /** MFA_PREVIOUS_ENCRYPTION_KEYS: keys that still decrypt (rotation). */
    previousEncryptionKeys: string[];
    /** MFA_TOTP_ISSUER: the name authenticator apps show. */
    totpIssuer: string;
  };
  /** The passkeys' relying party (WEBAUTHN_*): see webauthn.ts. */
  webauthn: WebAuthnSettings;
  /** New passwords checked against HIBP's range API; undefined when PASSWORD_BREACH_CHECK=off. */
  passwordBreachCheck: { url: string; timeoutSeconds: number } | undefined;
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
  /**
   * False for tools that never sign or verify a token (`pnpm db:migrate`, `pnpm users:import`):
   * no key is required, none is generated, and `auth.secret` is only what `AUTH_SECRET` says.
   */
  needsSigningKey?: boolean;
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
  {
    warn = (message) => console.warn(message),
    cwd = process.cwd(),
    needsSigningKey = true,
  }: LoadConfigOptions = {},
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${variableName(issue.path)}: ${issue.message}`),
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
  if (e.REDIS_URL && (e.UPSTASH_REDIS_REST_URL || e.UPSTASH_REDIS_REST_TOKEN)) {
    problems.push(
      "REDIS_URL: set either REDIS_URL (a Redis server) or UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (Upstash's REST API), not both",
    );
  }
  if (Boolean(e.ADMIN_EMAIL) !== Boolean(e.ADMIN_PASSWORD)) {
    problems.push("ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD must be set together");
  }
  // The token issuer defaults to APP_URL, and APP_URL to http://localhost:<PORT>: instances
  // sharing a database on different ports would each name a different issuer and refuse each
  // other's tokens (401). Tools that sign nothing (db:migrate) do not care.
  if (e.DATABASE_URL && !e.APP_URL && !e.AUTH_ISSUER && needsSigningKey)
    problems.push(
      "APP_URL: required with DATABASE_URL: it is the token issuer every instance sharing the database must agree on (the default names this instance's port); set the URL users reach the app by, the same on every instance",
    );
  const signing = signingSecret(e, { isProduction, dataDir, needsSigningKey, warn });
  if (signing.problem) problems.push(signing.problem);
  const { secret } = signing;
  problems.push(...previousKeyFamilyProblems(e.AUTH_PREVIOUS_KEYS, Boolean(e.AUTH_PRIVATE_KEY)));
  // Node refuses a headers timeout longer than the request's: say so by name instead.
  if (e.HTTP_HEADERS_TIMEOUT > e.HTTP_REQUEST_TIMEOUT)
    problems.push("HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT");
  const webauthn = webauthnSettings(e, appUrl);
  problems.push(...webauthn.problems);
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
      deviceCookieMaxAge: e.DEVICE_COOKIE_MAX_AGE,
    },
    database: e.DATABASE_URL ? { url: e.DATABASE_URL } : { dataDir: join(dataDir, "pglite") },
    dataDir,
    migrateOnStart: e.MIGRATE_ON_START,
    shutdownTimeout: e.SHUTDOWN_TIMEOUT,
    metricsToken: e.METRICS_TOKEN,
    upstash:
      e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN
        ? { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN }
        : undefined,
    redis: e.REDIS_URL ? { url: e.REDIS_URL } : undefined,
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
      liveTicket: e.RATE_LIMIT_LIVE_TICKET,
      passkeyOptionsIp: e.RATE_LIMIT_PASSKEY_OPTIONS_IP,
    },
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT * 1000,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT * 1000,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT * 1000,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
      maxConnectionsPerAddress: Math.min(e.HTTP_MAX_CONNECTIONS_PER_IP, e.HTTP_MAX_CONNECTIONS),
    },
    live: {
      transport: e.LIVE_TRANSPORT,
      maxConnectionsPerSession: e.LIVE_MAX_CONNECTIONS_PER_SESSION,
      maxConnectionsPerUser: e.LIVE_MAX_CONNECTIONS_PER_USER,
      maxSocketSubscriptions: e.LIVE_MAX_SOCKET_SUBSCRIPTIONS,
      socketMessageRate: e.LIVE_SOCKET_MESSAGE_RATE,
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
    mfa: {
      requiredFor: e.MFA_REQUIRED_FOR,
      reauthMaxAge: e.REAUTH_MAX_AGE,
      encryptionKey: e.MFA_ENCRYPTION_KEY,
      previousEncryptionKeys: e.MFA_PREVIOUS_ENCRYPTION_KEYS,
      totpIssuer: e.MFA_TOTP_ISSUER,
    },
    webauthn: webauthn.settings,
    passwordBreachCheck:
      e.PASSWORD_BREACH_CHECK === "hibp"
        ? { url: e.PASSWORD_BREACH_CHECK_URL, timeoutSeconds: e.PASSWORD_BREACH_CHECK_TIMEOUT }
        : undefined,
  };
}

/**
 * The HS256 secret: AUTH_SECRET, or one generated for development; a problem instead where a
 * generated one would do harm (production; a database other instances share).
 */
function signingSecret(
  e: ParsedEnv,
  options: {
    isProduction: boolean;
    dataDir: string;
    needsSigningKey: boolean;
    warn: (message: string) => void;
  },
): { secret?: string | undefined; problem?: string } {
  if (e.AUTH_SECRET || e.AUTH_PRIVATE_KEY || !options.needsSigningKey)
    return { secret: e.AUTH_SECRET };
  if (options.isProduction)
    return {
      problem:
        "AUTH_SECRET: required in production (or set AUTH_PRIVATE_KEY); generate one with `openssl rand -hex 32`",
    };
  // A generated secret belongs to one machine's DATA_DIR: every instance sharing this database
  // would sign with its own key and refuse the others' tokens (intermittent 401s).
  if (e.DATABASE_URL)
    return {
      problem:
        "AUTH_SECRET: required with DATABASE_URL (or set AUTH_PRIVATE_KEY): every instance that shares the database must sign with the same key, and a generated development secret is one machine's own; generate one with `openssl rand -hex 32` and give it to every instance",
    };
  return { secret: developmentSecret(options.dataDir, options.warn) };
}

/** `AUTH_PREVIOUS_KEYS[1]` for a schema issue at ["AUTH_PREVIOUS_KEYS", 1]; `env` for the whole. */
function variableName(path: readonly PropertyKey[]): string {
  const [variable, ...rest] = path;
  if (variable === undefined) return "env";
  return `${String(variable)}${rest.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("")}`;
}

/**
 * One kind of key verifies: shared secrets (HS256) when `AUTH_SECRET` signs, public keys
 * (EdDSA, RS256) when `AUTH_PRIVATE_KEY` does (docs/verifying-tokens.md: switching between
 * the two). An HS256 secret kept beside a private key would let everyone who ever held it keep
 * minting tokens, the very power the switch to a private key takes away.
 */
function previousKeyFamilyProblems(previousKeys: string[], signsWithPrivateKey: boolean): string[] {
  return previousKeys.flatMap((key, index) => {
    const variable = `AUTH_PREVIOUS_KEYS[${index}]`;
    if (signsWithPrivateKey && isSharedSecret(key))
      return [
        `${variable}: an HS256 secret cannot verify while AUTH_PRIVATE_KEY signs: whoever holds it could still mint tokens. Remove it; access tokens it signed are refused and clients get new ones by refreshing (docs/verifying-tokens.md, "Switching between HS256 and a private key")`,
      ];
    if (!signsWithPrivateKey && !isSharedSecret(key))
      return [
        `${variable}: a public key cannot verify while AUTH_SECRET signs (HS256): only HS256 secrets may be previous keys. Remove it; access tokens it signed are refused and clients get new ones by refreshing (docs/verifying-tokens.md, "Switching between HS256 and a private key")`,
      ];
    return [];
  });
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
