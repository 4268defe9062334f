import type { AuthUser, SessionEndCause } from "./types";

/** Every cause `session.events` can name; a message naming anything else is ignored. */
export const SESSION_END_CAUSES = [
  "logout",
  "logout_all",
  "password_changed",
  "password_reset",
  "session_revoked",
  "session_limit",
  "role_changed",
  "refresh_token_reused",
  "user_disabled",
  "revoked_by_admin",
  "mfa_changed",
  "token_version_changed",
  "token_revoked",
  "session_expired",
] as const satisfies readonly SessionEndCause[];

// Fails to compile when the server learns a cause this list does not have.
const _allCauses: readonly (typeof SESSION_END_CAUSES)[number][] = [] as SessionEndCause[];

export function isSessionEndCause(value: unknown): value is SessionEndCause {
  return (SESSION_END_CAUSES as readonly unknown[]).includes(value);
}

/**
 * What tabs tell each other. BroadcastChannel, not `storage` events: those were unreliable
 * between tabs in Safari (auth0-spa-js#755), and a token must never be written to storage.
 */
export type TabMessage =
  /** A tab that just loaded asks whether another one already holds a fresh token. */
  | { type: "hello" }
  /** A fresh token, with the time it has left (never a clock reading: tabs agree on durations). */
  | { type: "session"; accessToken: string; remainingMs: number; user: AuthUser }
  | { type: "signedOut"; reason: "logout" | "ended"; cause?: SessionEndCause };

/** The slice of `BroadcastChannel` used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export function browserChannel(name: string): ChannelLike | null {
  return typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(name);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

function isUser(value: unknown): value is AuthUser {
  return (
    isObject(value) &&
    typeof value.id === "string" &&
    typeof value.email === "string" &&
    (value.name === null || typeof value.name === "string") &&
    (value.role === "user" || value.role === "admin")
  );
}

/** Messages are checked, not trusted: another version of the app may share the channel. */
export function parseTabMessage(data: unknown): TabMessage | null {
  if (!isObject(data)) return null;
  switch (data.type) {
    case "hello":
      return { type: "hello" };
    case "session":
      return typeof data.accessToken === "string" &&
        typeof data.remainingMs === "number" &&
        isUser(data.user)
        ? {
            type: "session",
            accessToken: data.accessToken,
            remainingMs: data.remainingMs,
            user: data.user,
          }
        : null;
    case "signedOut":
      if (data.reason !== "logout" && data.reason !== "ended") return null;
      return isSessionEndCause(data.cause)
        ? { type: "signedOut", reason: data.reason, cause: data.cause }
        : { type: "signedOut", reason: data.reason };
    default:
      return null;
  }
}
