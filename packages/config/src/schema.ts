import proxyAddr from "proxy-addr";
import { z } from "zod";

import { parseDuration } from "./duration";
import { isSharedSecret, secretProblem } from "./secret-problem";

const duration = (fallback: string, { min = 0 } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const seconds = parseDuration(text);
      if (seconds === null || seconds < min) {
        ctx.addIssue({
          code: "custom",
          message: `expected a duration like 30s, 15m, 12h or 7d${min ? ` (at least ${min}s)` : ""}, got "${text}"`,
        });
        return z.NEVER;
      }
      return seconds;
    });

/**
 * A rate limit: `<count>/<window>` such as `5/1m` or `100/1m` (window as in the durations
 * above), or `off` to disable that limit. Parsed to `{ limit, windowSeconds }` or `null`.
 */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      if (text.trim().toLowerCase() === "off") return null;
      const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
      const limit = match ? Number(match[1]) : NaN;
      const windowSeconds = match ? parseDuration(match[2]!) : null;
      if (
        !Number.isSafeInteger(limit) ||
        limit < 1 ||
        windowSeconds === null ||
        windowSeconds < 1
      ) {
        ctx.addIssue({
          code: "custom",
          message: `expected <count>/<window> like 5/1m or 100/1h (count at least 1), or "off", got "${text}"`,
        });
        return z.NEVER;
      }
      return { limit, windowSeconds };
    });

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value : undefined));

export const authSecret = optionalString.superRefine((secret, ctx) => {
  if (secret === undefined) return;
  // Never echo the secret itself: only its shape.
  const problem = secretProblem(secret);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * `AUTH_PREVIOUS_KEYS`: a JSON array of keys (secret strings, PEM strings or JWK objects), or a
 * single key. Kept as raw strings here; packages/auth imports them. Every shared HS256 secret
 * among them passes the same checks as `AUTH_SECRET`: a key that only verifies mints tokens as
 * well as one that signs. Problems name the entry (`AUTH_PREVIOUS_KEYS[1]`), never its value.
 */
const previousKeys = optionalString.transform((text, ctx) => {
  if (text === undefined) return [];
  const trimmed = text.trim();
  let keys: string[];
  if (!trimmed.startsWith("[")) keys = [trimmed];
  else {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (!Array.isArray(parsed)) throw new Error("not an array");
      keys = parsed.map((key) => (typeof key === "string" ? key : JSON.stringify(key)));
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of keys or a single key" });
      return z.NEVER;
    }
  }
  for (const [index, key] of keys.entries()) {
    const problem = isSharedSecret(key) ? secretProblem(key.trim()) : null;
    if (problem) ctx.addIssue({ code: "custom", path: [index], message: problem });
  }
  return keys;
});

const url = (protocols: string[]) =>
  optionalString.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.join(" or ")}//` },
  );

/**
 * `REDIS_URL`: `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. The client's
 * timeouts and reconnection are the server's own (docs/configuration.md), so a query string is
 * refused rather than read in part. Messages never repeat the value: it may hold a password.
 */
const redisUrl = optionalString.superRefine((value, ctx) => {
  if (value === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const problem =
    !url || !["redis:", "rediss:"].includes(url.protocol) || !url.hostname
      ? "must be a URL like redis://host:6379/0, or rediss:// for TLS"
      : url.search || url.hash
        ? "takes no query string or fragment: the connection settings are fixed (see docs/configuration.md)"
        : !/^\/?(\d{1,5})?$/.test(url.pathname)
          ? "the path is a database number, like redis://host:6379/0"
          : undefined;
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * `TRUST_PROXY`: which hops in front of us may say who the client is, as Express and
 * `proxy-addr` read it: `false` (none; the socket's peer is the client), `true` (exactly one
 * proxy), a hop count, or a comma-separated list of trusted addresses, CIDRs and the names
 * `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxy = { hops: number } | { addresses: string[] } | null;

const trustProxy = z
  .string()
  .default("false")
  .transform((text, ctx): TrustProxy => {
    const value = text.trim().toLowerCase();
    if (value === "" || value === "false" || value === "0") return null;
    if (value === "true") return { hops: 1 };
    if (/^\d+$/.test(value)) return { hops: Number(value) };
    const addresses = value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean);
    try {
      proxyAddr.compile(addresses);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `expected false, true, a hop count or a comma-separated list of addresses/CIDRs (${error instanceof Error ? error.message : "invalid"}), got "${text}"`,
      });
      return z.NEVER;
    }
    return { addresses };
  });

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  APP_URL: url(["http:", "https:"]),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // Unset: pretty when stdout is a terminal, JSON lines otherwise (log collectors).
  LOG_FORMAT: z.enum(["pretty", "json"]).optional(),
  AUTH_SECRET: authSecret,
  AUTH_PRIVATE_KEY: optionalString,
  AUTH_PREVIOUS_KEYS: previousKeys,
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: z.string().min(1).default("web"),
  ACCESS_TOKEN_TTL: duration("15m", { min: 1 }),
  REFRESH_TOKEN_TTL: duration("7d", { min: 1 }),
  CLOCK_TOLERANCE: duration("5s"),
  DATABASE_URL: url(["postgresql:", "postgres:"]),
  DATA_DIR: z.string().min(1).default(".data"),
  /**
   * PostgreSQL: apply pending migrations at start (under an advisory lock, so instances starting
   * together migrate once) instead of refusing to start. The embedded database always migrates.
   */
  MIGRATE_ON_START: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((value) => value === "true" || value === "1"),
  /** How long SIGTERM/SIGINT wait for in-flight requests before closing what is left. */
  SHUTDOWN_TIMEOUT: duration("10s"),
  /**
   * `GET /api/metrics` (Prometheus) answers only a `Authorization: Bearer <METRICS_TOKEN>`;
   * unset, the endpoint does not exist (404). At least 16 characters: it guards what an
   * attacker would like to watch (login failures, reuse detections).
   */
  METRICS_TOKEN: optionalString.refine((value) => value === undefined || value.length >= 16, {
    message: "must be at least 16 characters (e.g. `openssl rand -hex 16`)",
  }),
  UPSTASH_REDIS_REST_URL: url(["http:", "https:"]),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  // A plain Redis instead of Upstash's REST API (one or the other, never both).
  REDIS_URL: redisUrl,
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
  // Rate limits (docs/configuration.md: 429 with Retry-After). Login counts failures only (a success refunds its
  // attempt), per account (normalized email, known or not) and per client IP; refresh and
  // register count every call per client IP. Sliding window in Redis when Redis is configured,
  // fixed window in the database otherwise. If the limiter's store is down these calls fail
  // closed with 503. Per-IP limits need the real client address: set TRUST_PROXY behind a proxy.
  RATE_LIMIT_LOGIN_ACCOUNT: rateLimit("5/1m"),
  RATE_LIMIT_LOGIN_IP: rateLimit("100/1m"),
  RATE_LIMIT_REFRESH_IP: rateLimit("300/1m"),
  RATE_LIMIT_REGISTER_IP: rateLimit("30/1m"),
  // Each login failure from a browser that signed in to this account before counts against that
  // browser's device cookie instead of the account (OWASP's device cookies): an attack on the
  // account cannot lock its owner out. Successful logins are bounded too (argon2 work).
  RATE_LIMIT_LOGIN_DEVICE: rateLimit("10/1m"),
  RATE_LIMIT_LOGIN_SUCCESS_ACCOUNT: rateLimit("20/1m"),
  RATE_LIMIT_LOGIN_SUCCESS_IP: rateLimit("300/1m"),
  // WebSocket upgrades on /api/trpc per client address (each also redeems a ticket).
  RATE_LIMIT_LIVE_IP: rateLimit("60/1m"),
  // Tickets (`auth.ticket`) per user: every live stream or socket costs one, and a browser asks
  // for one per (re)connection with a growing backoff.
  RATE_LIMIT_LIVE_TICKET: rateLimit("30/1m"),
  // WebAuthn challenges issued (every passkey options call, public ones included: /login asks for
  // one per visit for passkey autofill) per client address: each is a stored row.
  RATE_LIMIT_PASSKEY_OPTIONS_IP: rateLimit("60/1m"),
  /** Sessions a user may hold; the least recently used is revoked past it. */
  MAX_SESSIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(50),
  /** A rotated refresh token presented again within this time is a race, not theft; 0s turns it off. */
  REFRESH_REUSE_GRACE: duration("10s"),
  /**
   * Second factors (docs/mfa.md): who must have one (`none`, `admin`: admin procedures refuse a
   * token without `mfa` in its `amr`, or `all`), and how recent a sign-in must be for the
   * actions that change them (`freshProcedure`).
   */
  MFA_REQUIRED_FOR: z.enum(["none", "admin", "all"]).default("none"),
  REAUTH_MAX_AGE: duration("10m", { min: 1 }),
  /**
   * Passkeys (docs/passkeys.md): the relying party's ID (a domain every origin's host is, or
   * ends with), the comma-separated origins ceremonies may come from, and the name shown by the
   * authenticator. All three default from APP_URL; a mismatch stops start-up (config.ts).
   */
  WEBAUTHN_RP_ID: optionalString,
  WEBAUTHN_ORIGINS: optionalString,
  WEBAUTHN_RP_NAME: optionalString,
  /**
   * The key TOTP secrets are encrypted under (AES-256-GCM, docs/mfa.md): any high-entropy string
   * (`openssl rand -hex 32`). Unset: a key derived from the signing key. The previous keys
   * (comma-separated) only decrypt, for rotation: a factor is re-encrypted on its next use.
   */
  MFA_ENCRYPTION_KEY: authSecret,
  /** The name authenticator apps show beside the account (the `issuer` of the otpauth URI). */
  MFA_TOTP_ISSUER: z.string().trim().min(1).max(64).default("Authkit"),
  MFA_PREVIOUS_ENCRYPTION_KEYS: z
    .string()
    .default("")
    .transform((text) =>
      text
        .split(",")
        .map((key) => key.trim())
        .filter(Boolean),
    )
    .superRefine((keys, ctx) => {
      for (const [index, key] of keys.entries()) {
        const problem = secretProblem(key);
        if (problem) ctx.addIssue({ code: "custom", message: `entry ${index}: ${problem}` });
      }
    }),
  /**
   * How long a device cookie vouches for its browser: its Max-Age, and the age past which the
   * server refuses it whatever the browser kept (the issue time is inside the signed value).
   */
  DEVICE_COOKIE_MAX_AGE: duration("180d", { min: 60 }),
  TRUST_PROXY: trustProxy,
  // Mail (docs/configuration.md: Mail). Without SMTP_URL, development prints each mail to the
  // log and production sends none (one warning at start-up).
  SMTP_URL: url(["smtp:", "smtps:"]),
  /** Defaults to `no-reply@<APP_URL's host>`. */
  MAIL_FROM: optionalString,
  PASSWORD_RESET_TTL: duration("30m", { min: 60 }),
  EMAIL_VERIFICATION_TTL: duration("24h", { min: 60 }),
  REQUIRE_EMAIL_VERIFICATION: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((value) => value === "true" || value === "1"),
  // Reset requests per email (known or not, so the answer says nothing) and per client address;
  // verification mails a signed-in user may ask for again.
  RATE_LIMIT_PASSWORD_RESET_EMAIL: rateLimit("3/15m"),
  RATE_LIMIT_PASSWORD_RESET_IP: rateLimit("20/15m"),
  RATE_LIMIT_VERIFICATION_RESEND: rateLimit("3/15m"),
  // Breached passwords (docs/security.md: Password policy): off, or HIBP's k-anonymity range
  // API. Only the first 5 hex digits of the password's SHA-1 leave; an unreachable service
  // fails open with a logged warning after the timeout.
  PASSWORD_BREACH_CHECK: z.enum(["off", "hibp"]).default("off"),
  /** The range endpoint; the 5-character prefix is appended (tests point it at a local server). */
  PASSWORD_BREACH_CHECK_URL: url(["https:", "http:"]).transform(
    (value) => value ?? "https://api.pwnedpasswords.com/range/",
  ),
  PASSWORD_BREACH_CHECK_TIMEOUT: duration("2s", { min: 1 }),
  /** How the web app's browsers receive live session events: server-sent events or a WebSocket. */
  LIVE_TRANSPORT: z.enum(["sse", "ws"]).default("sse"),
  /**
   * Live connections (server-sent event streams and WebSockets together) one session / one user
   * may hold open on one instance; one more is refused (an SSE stream gets a TOO_MANY_REQUESTS
   * error and ends, a WebSocket is closed with 1013).
   */
  LIVE_MAX_CONNECTIONS_PER_SESSION: z.coerce.number().int().min(1).max(1000).default(4),
  LIVE_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Subscriptions one WebSocket may carry at once; one more is answered TOO_MANY_REQUESTS. */
  LIVE_MAX_SOCKET_SUBSCRIPTIONS: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * Messages a WebSocket may send: a token bucket per socket holding `<count>`, refilled at
   * `<count>` per `<window>`. A socket that empties it is closed with 1008 `too many messages`.
   */
  LIVE_SOCKET_MESSAGE_RATE: rateLimit("60/1m"),
  /**
   * The Node HTTP server's own limits (slowloris, descriptor exhaustion): a request's headers
   * must arrive within HTTP_HEADERS_TIMEOUT and the whole request within HTTP_REQUEST_TIMEOUT
   * (408 and closed otherwise); an idle keep-alive connection closes after
   * HTTP_KEEP_ALIVE_TIMEOUT; at most HTTP_MAX_CONNECTIONS sockets are open, and at most
   * HTTP_MAX_CONNECTIONS_PER_IP from one address (one /64 for IPv6), trusted proxies excepted.
   */
  HTTP_HEADERS_TIMEOUT: duration("10s", { min: 1 }),
  HTTP_REQUEST_TIMEOUT: duration("30s", { min: 1 }),
  HTTP_KEEP_ALIVE_TIMEOUT: duration("5s", { min: 1 }),
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(4096),
  HTTP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(256),
});

/** Every `RATE_LIMIT_*` variable, e.g. for a benchmark that must never be throttled. */
export const RATE_LIMIT_VARIABLES = Object.keys(envSchema.shape).filter((name) =>
  name.startsWith("RATE_LIMIT_"),
) as Extract<keyof typeof envSchema.shape, `RATE_LIMIT_${string}`>[];

export type Env = z.input<typeof envSchema>;
export type ParsedEnv = z.output<typeof envSchema>;
