import type { SessionEndCause } from "@authkit/client";

/**
 * Where to go after signing in. Only a path on this site: an absolute or protocol-relative URL
 * in `?next=` would make the login page an open redirect.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/";
  if (raw.startsWith("/api") || raw.startsWith("/login") || raw.startsWith("/register")) return "/";
  return raw;
}

export function loginHref(next: string | null): string {
  const target = next ? safeNext(next) : "/";
  return target === "/" ? "/login" : `/login?next=${encodeURIComponent(target)}`;
}

/** What /login says after the server ended the session, by the cause `session.events` gave. */
export function sessionEndedMessage(cause: SessionEndCause | undefined): string {
  switch (cause) {
    case "logout_all":
      return "You signed out everywhere.";
    case "password_changed":
    case "password_reset":
      return "Your password was changed. Sign in again.";
    case "logout":
    case "session_revoked":
    case "token_revoked":
      return "You were signed out on another device.";
    case "session_limit":
      return "You signed in on too many devices; this one was signed out.";
    case "user_disabled":
      return "Your account was disabled. Contact an administrator.";
    case "revoked_by_admin":
      return "An administrator signed you out.";
    case "refresh_token_reused":
      return "For your security, you were signed out.";
    case "session_expired":
      return "Your session expired. Please sign in again.";
    default:
      return "Please sign in again to continue.";
  }
}
