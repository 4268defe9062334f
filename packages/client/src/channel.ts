import type { AuthUser } from "./types";

/**
 * What tabs tell each other. BroadcastChannel, not `storage` events: those were unreliable
 * between tabs in Safari (auth0-spa-js#755), and a token must never be written to storage.
 */
export type TabMessage =
  /** A tab that just loaded asks whether another one already holds a fresh token. */
  | { type: "hello" }
  /** A fresh token, with the time it has left (never a clock reading: tabs agree on durations). */
  | { type: "session"; accessToken: string; remainingMs: number; user: AuthUser }
  | { type: "signedOut"; reason: "logout" | "ended" };

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
      return data.reason === "logout" || data.reason === "ended"
        ? { type: "signedOut", reason: data.reason }
        : null;
    default:
      return null;
  }
}
