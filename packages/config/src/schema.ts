import proxyAddr from "proxy-addr";
import { z } from "zod";

import { parseDuration } from "./duration";
import { estimateEntropyBits } from "./entropy";
import { publishedSecretReason } from "./published-secrets";

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

const MIN_SECRET_BITS = 256;

export const authSecret = optionalString.superRefine((secret, ctx) => {
  if (secret === undefined) return;
  const published = publishedSecretReason(secret);
  if (published) {
    ctx.addIssue({
      code: "custom",
      message: `${published}: anyone who read it can sign tokens for any user; generate your own with \`openssl rand -hex 32\``,
    });
    return;
  }
  if (secret.length < 32 || estimateEntropyBits(secret) < MIN_SECRET_BITS) {
    // Never echo the secret itself: only its shape.
    ctx.addIssue({
      code: "custom",
      message: `must be at least 32 characters with at least ${MIN_SECRET_BITS} bits of entropy (got ${secret.length} characters); generate one with \`openssl rand -hex 32\``,
    });
  }
});

/**
 * `AUTH_PREVIOUS_KEYS`: a JSON array of keys (secret strings, PEM strings or JWK objects), or a
 * single key. Kept as raw strings here; packages/auth imports them.
 */
const previousKeys = optionalString.transform((text, ctx) => {
  if (text === undefined) return [];
  const trimmed = text.trim();
  if (!trimmed.startsWith("[")) return [trimmed];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error("not an array");
    return parsed.map((key) => (typeof key === "string" ? key : JSON.stringify(key)));
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a JSON array of keys or a single key" });
    return z.NEVER;
  }
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
  UPSTASH_REDIS_REST_URL: url(["http:", "https:"]),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
  // Rate limits (docs/configuration.md: 429 with Retry-After). Login counts failures only (a success refunds its
  // attempt), per account (normalized email, known or not) and per client IP; refresh and
  // register count every call per client IP. Sliding window in Redis when Upstash is configured,
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
  /** Sessions a user may hold; the least recently used is revoked past it. */
  MAX_SESSIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(50),
  /** A rotated refresh token presented again within this time is a race, not theft; 0s turns it off. */
  REFRESH_REUSE_GRACE: duration("10s"),
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
  /** How the web app's browsers receive live session events: server-sent events or a WebSocket. */
  LIVE_TRANSPORT: z.enum(["sse", "ws"]).default("sse"),
  /** Open WebSockets one session / one user may hold on one instance; more are closed with 1013. */
  LIVE_MAX_CONNECTIONS_PER_SESSION: z.coerce.number().int().min(1).max(1000).default(4),
  LIVE_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
});

/** Every `RATE_LIMIT_*` variable, e.g. for a benchmark that must never be throttled. */
export const RATE_LIMIT_VARIABLES = Object.keys(envSchema.shape).filter((name) =>
  name.startsWith("RATE_LIMIT_"),
) as Extract<keyof typeof envSchema.shape, `RATE_LIMIT_${string}`>[];

export type Env = z.input<typeof envSchema>;
export type ParsedEnv = z.output<typeof envSchema>;
