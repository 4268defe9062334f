import type { AccessTokenClaims } from "../access-token";

/**
 * Where access-token revocation is checked on every protected request. The database stays the
 * source of truth for sessions and token versions; a store only has to answer "is this token
 * dead?" in one round trip, and be told when something dies.
 */
export interface RevocationStore {
  readonly name: string;
  /** One round trip: the jti denylist, the session, and the user's token version. */
  isRevoked(claims: Pick<AccessTokenClaims, "jti" | "sid" | "sub" | "ver">): Promise<boolean>;
  /** Deny one access token until it expires. */
  revokeAccessToken(jti: string, expiresAt: Date): Promise<void>;
  /** Sessions already marked revoked in the database; the store mirrors them if it must. */
  sessionsRevoked(sessionIds: string[]): Promise<void>;
  /** A user's token version was raised in the database; older tokens must die. */
  userVersionRaised(userId: string, version: number): Promise<void>;
}
