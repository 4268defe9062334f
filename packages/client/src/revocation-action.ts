import { isSessionEndCause } from "./channel";
import { LiveSocketClosed, POLICY_VIOLATION } from "./socket";
import type { SessionEndCause } from "./types";

/** Causes that mean this session itself is dead; anything else is checked with a refresh. */
const SESSION_DEAD: ReadonlySet<SessionEndCause> = new Set<SessionEndCause>([
  "logout",
  "logout_all",
  "password_changed",
  "session_revoked",
  "session_expired",
]);

/**
 * What a `revoked` event means: `signOut` when the session itself is dead, `verify` when only
 * the user's token version may have moved (role change; refresh-token reuse detected on another
 * session of the user) and a refresh tells whether this session lives on.
 */
export function revocationAction(cause: SessionEndCause): "signOut" | "verify" {
  return SESSION_DEAD.has(cause) ? "signOut" : "verify";
}

/** The cause a socket closed with 1008 names (`logout`, `session_expired`…); null otherwise. */
export function socketCause(error: unknown): SessionEndCause | null {
  if (!(error instanceof LiveSocketClosed) || error.code !== POLICY_VIOLATION) return null;
  // `unauthorized` (a refused ticket) names no cause: it is retried with a new ticket.
  return isSessionEndCause(error.reason) ? error.reason : null;
}
