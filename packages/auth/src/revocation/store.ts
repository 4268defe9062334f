import type { AccessTokenClaims } from "../access-token";

export type RevocationClaims = Pick<AccessTokenClaims, "jti" | "sid" | "sub" | "ver">;

/** Revocations the database holds whose tokens may still be live, to mirror into a fast store. */
export interface Revocations {
  /** Revoked sessions: every token with this `sid` is dead. */
  sessions: string[];
  /** Each user's current token version: tokens with a lower `ver` are dead. */
  versions: { userId: string; version: number }[];
  /** Single revoked access tokens, until their own `exp` (seconds since the epoch). */
  tokens: { jti: string; exp: number }[];
}

/**
 * Where access-token revocation is checked on every protected request. The database is the
 * source of truth: every revocation is committed there first. A store answers "is this token
 * dead?" in one round trip, and mirrors what the database holds when it is not the database.
 */
export interface RevocationStore {
  readonly name: string;
  isRevoked(claims: RevocationClaims): Promise<boolean>;
  /** Copies revocations already committed to the database; throws when the copy failed. */
  mirror(revocations: Partial<Revocations>): Promise<void>;
  close?(): Promise<void>;
}
