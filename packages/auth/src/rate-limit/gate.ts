import { AuthError, orUnavailable } from "../errors";
import { clientIpKey } from "./ip";
import type { RateLimiter, RateLimitHit, RateLimitRule } from "./types";

/** The limits the core enforces (the RATE_LIMIT_* variables); `null` turns one off. */
export interface RateLimits {
  /** Login failures per account (normalized email, known or not) from clients it does not know. */
  loginAccount: RateLimitRule | null;
  /** Login failures per device cookie: a browser that signed in to the account before. */
  loginDevice: RateLimitRule | null;
  /** Login failures (and wrong current passwords, and registrations) per client address. */
  loginIp: RateLimitRule | null;
  /** Successful logins per account and per address: argon2 work is bounded either way. */
  loginSuccessAccount: RateLimitRule | null;
  loginSuccessIp: RateLimitRule | null;
  /** Refreshes per client address (tRPC refresh and the OAuth refresh_token grant). */
  refreshIp: RateLimitRule | null;
  /** Registrations per client address. */
  registerIp: RateLimitRule | null;
  /** Password-reset requests per email (known or not) and per client address. */
  passwordResetEmail: RateLimitRule | null;
  passwordResetIp: RateLimitRule | null;
  /** Verification mails asked for again, per account. */
  verificationResend: RateLimitRule | null;
  /** WebSocket upgrades for live subscriptions per client address. */
  liveIp: RateLimitRule | null;
  /** Tickets for live streams (`auth.ticket`) per user. */
  liveTicket: RateLimitRule | null;
  /** WebAuthn challenges issued per client address (each is a stored row). */
  passkeyOptionsIp: RateLimitRule | null;
}

type Setting = { limit: number; windowSeconds: number } | null;

/** Rules from `config.rateLimit`. */
export function rateLimitsFromConfig(settings: Record<keyof RateLimits, Setting>): RateLimits {
  const rule = (name: string, s: Setting): RateLimitRule | null => (s ? { name, ...s } : null);
  return {
    loginAccount: rule("login:account", settings.loginAccount),
    loginDevice: rule("login:device", settings.loginDevice),
    loginIp: rule("login:ip", settings.loginIp),
    loginSuccessAccount: rule("login-ok:account", settings.loginSuccessAccount),
    loginSuccessIp: rule("login-ok:ip", settings.loginSuccessIp),
    refreshIp: rule("refresh:ip", settings.refreshIp),
    registerIp: rule("register:ip", settings.registerIp),
    passwordResetEmail: rule("reset:email", settings.passwordResetEmail),
    passwordResetIp: rule("reset:ip", settings.passwordResetIp),
    verificationResend: rule("verify-resend:account", settings.verificationResend),
    liveIp: rule("live:ip", settings.liveIp),
    liveTicket: rule("live-ticket:user", settings.liveTicket),
    passkeyOptionsIp: rule("passkey-options:ip", settings.passkeyOptionsIp),
  };
}

/**
 * Callers whose address the transport cannot know (a Next-only deployment without TRUST_PROXY)
 * share one bucket per rule, with ten times the room of one address: a per-address limit that
 * silently did nothing would be worse, and one ordinary address's budget would let a single
 * client lock everyone else out.
 */
export const UNATTRIBUTED_KEY = "unattributed";
const UNATTRIBUTED_FACTOR = 10;

/** One hit of `rule` for `key`, or null when the rule is off. */
export const hitOf = (rule: RateLimitRule | null, key: string): RateLimitHit | null =>
  rule ? { rule, key } : null;

/** A per-address hit, counted in the shared unattributed bucket when the address is unknown. */
export function addressHit(
  rule: RateLimitRule | null,
  ip: string | null | undefined,
): RateLimitHit | null {
  if (!rule) return null;
  const key = clientIpKey(ip);
  if (key) return { rule, key };
  return {
    rule: { ...rule, name: `${rule.name}:unattributed`, limit: rule.limit * UNATTRIBUTED_FACTOR },
    key: UNATTRIBUTED_KEY,
  };
}

export interface RateGate {
  /**
   * Counts one hit of each rule, in one round trip. Past a limit: RATE_LIMITED with the longest
   * Retry-After, and the other hits are given back (a refused attempt counts nowhere). A limiter
   * that cannot answer fails closed: UNAVAILABLE, never "allowed". Returns the hits taken.
   */
  take(hits: readonly (RateLimitHit | null)[]): Promise<RateLimitHit[]>;
  /** Gives hits back (a success is not a failure); best effort, the work already succeeded. */
  giveBack(hits: readonly RateLimitHit[]): Promise<void>;
}

export function createRateGate(limiter: RateLimiter | undefined): RateGate {
  return {
    async take(candidates) {
      const hits = candidates.filter((hit): hit is RateLimitHit => hit !== null);
      if (!limiter || hits.length === 0) return [];
      const decisions = await orUnavailable(() => limiter.consume(hits));
      const refused = decisions.filter((d) => !d.allowed);
      if (refused.length === 0) return hits;
      const allowed = hits.filter((_, i) => decisions[i]?.allowed);
      await limiter.refund(allowed).catch(() => undefined);
      throw new AuthError("RATE_LIMITED", {
        retryAfterSeconds: Math.max(...refused.map((d) => d.retryAfterSeconds)),
      });
    },
    async giveBack(hits) {
      if (!limiter || hits.length === 0) return;
      await limiter.refund(hits).catch(() => undefined);
    },
  };
}
