import type { AccessTokenClaims, Role } from "../access-token";

export type RevocationClaims = Pick<AccessTokenClaims, "jti" | "sid" | "sub" | "ver" | "role">;

/**
 * A store's answer for one token: `live`; `revoked` (its jti, its session, its user's token
 * version, or the user is gone or disabled); or `role`: not revoked, yet claiming a role the
 * user does not hold. Every role change raises the token version, so a token minted before one
 * is `revoked`; `role` is a token nobody minted here (a leaked or weak verification key), or a
 * role changed in the database behind the application's back. Either way it is refused.
 */
export type RevocationVerdict = "live" | "revoked" | "role";

/** Revocations the database holds whose tokens may still be live, to mirror into a fast store. */
export interface Revocations {
  /** Revoked sessions: every token with this `sid` is dead. */
  sessions: string[];
  /** Each user's current token version (tokens with a lower `ver` are dead) and the role the
   *  user held at that version (tokens claiming another are refused). */
  versions: { userId: string; version: number; role: Role }[];
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
  /** One round trip, whatever it checks (several concurrent checks may share it). */
  isRevoked(claims: RevocationClaims): Promise<RevocationVerdict>;
  /** Copies revocations already committed to the database; throws when the copy failed. */
  mirror(revocations: Partial<Revocations>): Promise<void>;
  /** Resolves when the store answers, throws when it does not (readiness). */
  ping(): Promise<void>;
  close?(): Promise<void>;
}
