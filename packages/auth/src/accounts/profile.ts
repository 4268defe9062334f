import { LRUCache } from "lru-cache";

import type { PublicUser } from "@authkit/db";

import { createBatcher } from "../batch";
import type { Core } from "../core";
import { AuthError, orUnavailable } from "../errors";
import type { Identity } from "../types";

/** The caller's own profile (`user.me`): the public fields and whether the email is verified. */
export type Profile = PublicUser & { emailVerified: boolean };

/**
 * Profiles keyed by (user, token version). Email and name never change through this API and the
 * role is in the token, so such a profile is fresh: a role change raises the version and misses.
 * Verified profiles are cached: verification does not raise the version, and once verified an
 * email stays so. Unverified ones only where this process alone writes the database
 * (`cacheUnverified`, the embedded default), which clears the cache whenever it verifies an
 * email (../create); elsewhere another instance may verify it.
 */
export type ProfileCache = LRUCache<string, Profile>;

export const createProfileCache = (): ProfileCache => new LRUCache({ max: 10_000 });

/** Bumped by every clear: a read that began before one must not cache what it read. */
const generations = new WeakMap<ProfileCache, number>();

/** Empties the cache (an email was verified), including what reads in flight would add. */
export function clearProfiles(profiles: ProfileCache): void {
  generations.set(profiles, (generations.get(profiles) ?? 0) + 1);
  profiles.clear();
}

/** Reads profiles by user id, the reads of one event-loop turn in one statement (../batch). */
export type ProfileLookup = (userId: string) => Promise<Profile | undefined>;

/**
 * `user.me` on PostgreSQL reads the database on every request for a user whose email is not
 * verified (another instance may verify it): concurrent reads share one statement, as the
 * revocation checks before them do, instead of one ORM query each.
 */
export function createProfileLookup(db: Pick<Core["db"], "prisma">): ProfileLookup {
  return createBatcher<string, Profile | undefined>(async (ids) => {
    const rows = await db.prisma.$queryRaw<Profile[]>`
      SELECT id::text AS id, email, name, role::text AS role,
        email_verified_at IS NOT NULL AS "emailVerified"
      FROM users WHERE id = ANY(${ids}::uuid[])`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });
}

export async function readProfile(
  deps: { lookup: ProfileLookup; profiles: ProfileCache; cacheUnverified?: boolean },
  identity: Identity,
): Promise<Profile> {
  const key = `${identity.user.id}:${identity.token.ver}`;
  const cached = deps.profiles.get(key);
  if (cached) return cached;
  const generation = generations.get(deps.profiles) ?? 0;
  const profile = await orUnavailable(() => deps.lookup(identity.user.id));
  if (!profile) throw new AuthError("UNAUTHENTICATED");
  const unchanged = (generations.get(deps.profiles) ?? 0) === generation;
  if (profile.emailVerified || (deps.cacheUnverified && unchanged)) deps.profiles.set(key, profile);
  return profile;
}
