import type { RequestMeta } from "./types";

/**
 * Security events: one structured record each, for a SOC to alert on. They carry ids, never a
 * token, a password or a hash. The API writes them to its log with an `event` field.
 */
export type SecurityEventName =
  | "login.succeeded"
  | "login.failed"
  | "login.rate_limited"
  | "refresh.reuse"
  | "session.revoked"
  | "sessions.revoked_all"
  | "password.changed"
  | "password.change_failed"
  /** A new password was refused by the policy: `reason` is `too_weak` or `breached`. */
  | "password.refused"
  /** The breach check could not answer (timeout, unreachable, status, malformed): failed open. */
  | "password.breach_check_failed"
  | "role.changed"
  | "admin.bootstrap"
  | "password.reset_requested"
  | "password.reset"
  | "email.verification_sent"
  | "email.verified"
  | "user.disabled"
  | "user.enabled"
  | "sessions.revoked_by_admin"
  /** A mail was given up after its retries (SMTP down, refused): `reason` is the SMTP error code. */
  | "mail.failed"
  | "token.revoked"
  /** A correctly signed, unrevoked token claimed a role the user does not hold: a leaked or weak
   *  verification key, or a role edited in the database without raising the token version. */
  | "token.role_mismatch"
  /** Second factors (docs/mfa.md, docs/passkeys.md). */
  | "mfa.enrolled"
  | "mfa.removed"
  | "mfa.challenge_failed"
  | "mfa.recovery_code_used"
  | "mfa.reset_by_admin"
  | "reauthenticated"
  | "passkey.added"
  | "passkey.removed"
  | "passkey.used"
  | "passkey.counter_regressed"
  /** The Redis revocation store lost its data (checks go to the database until it is rebuilt). */
  | "revocation_store.rebuilding"
  | "revocation_store.rebuilt"
  | "revocation_store.invalidated";

export interface SecurityEvent {
  event: SecurityEventName;
  userId?: string;
  sessionId?: string;
  sessionIds?: string[];
  ip?: string | null;
  requestId?: string;
  /** A stable, code-like detail (`wrong_password`, `unknown_email`, `logout`…), never free text. */
  reason?: string;
  role?: string;
  /** The admin who acted on `userId` (disable, enable, revoke, role). */
  actorId?: string;
  /** Which mail an event is about (`password_reset`, `email_verification`). */
  mail?: string;
  /** The second factor an event is about (its id, never a secret), and its type. */
  factorId?: string;
  factorType?: string;
}

export type SecurityEventSink = (event: SecurityEvent) => void;

export const discardEvents: SecurityEventSink = () => undefined;

/** The request fields every security event carries. */
export const eventMeta = (meta: RequestMeta) => ({
  ip: meta.clientIp ?? null,
  ...(meta.requestId ? { requestId: meta.requestId } : {}),
});
