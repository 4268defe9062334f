import type { SessionEndCause } from "@authkit/client";

export { safeNextPath } from "@authkit/api/next-path";

/** A `next` longer than this is no link of ours: it is dropped rather than carried along. */
const MAX_NEXT_LENGTH = 2048;

/** The raw `next` to carry from page to page (the reader resolves it with `safeNextPath`). */
export function carriedNext(raw: string | undefined): string | undefined {
  return raw && raw !== "/" && raw.length <= MAX_NEXT_LENGTH ? raw : undefined;
}

/** A page of ours with `?next=` when there is somewhere to go back to (home is the default). */
export function withNext(page: "/login" | "/register", next: string | undefined): string {
  return next && next !== "/" ? `${page}?next=${encodeURIComponent(next)}` : page;
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
    case "mfa_changed":
      return "Your account's second factors changed. Sign in again.";
    case "refresh_token_reused":
      return "For your security, you were signed out.";
    case "session_expired":
      return "Your session expired. Please sign in again.";
    default:
      return "Please sign in again to continue.";
  }
}

/** One value of a page's search parameter (`?a=1&a=2` counts as absent). */
export function searchParam(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;
