import type { PublicUser } from "@authkit/db";

import type { AccessTokenClaims, Role } from "./access-token";

/** Why sessions end, as stored with them (the `RevocationReason` database enum). */
export type StoredRevocationReason =
  | "logout"
  | "logout_all"
  | "password_changed"
  | "password_reset"
  | "session_revoked"
  | "session_limit"
  | "role_changed"
  | "refresh_token_reused"
  | "user_disabled"
  | "revoked_by_admin"
  | "mfa_changed";

export type RevocationReason =
  | StoredRevocationReason
  /** Seen by a stream's periodic re-check: the version moved, the event that said why was missed. */
  | "token_version_changed"
  /** The access token a stream was opened with was revoked (RFC 7009). */
  | "token_revoked";

/** What live streams on every instance learn when sessions or tokens die. */
export type RevocationEvent =
  | { kind: "sessions"; userId: string; sessionIds: string[]; reason: RevocationReason }
  | { kind: "user"; userId: string; version: number; reason: RevocationReason }
  | { kind: "token"; userId: string; jti: string; reason: "token_revoked" };

export interface TokenPair {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: PublicUser;
  sessionId: string;
}

/** Who a verified, unrevoked access token speaks for. */
export interface Identity {
  user: { id: string; role: Role };
  session: { id: string };
  token: AccessTokenClaims;
}

/** The admin an admin action is taken by: recorded in its security event. */
export interface Actor {
  id: string;
}

/** What the transport knows about a caller: for sessions, rate limits and security events. */
export interface RequestMeta {
  userAgent?: string | null;
  /** The client address after trusted proxies; null when the transport cannot know it. */
  clientIp?: string | null;
  /** The request id of the access log, so a security event can be matched to its request. */
  requestId?: string;
}

export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  current: boolean;
}
