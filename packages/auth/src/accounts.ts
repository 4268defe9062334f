import { LRUCache } from "lru-cache";

import { isUniqueViolation, normalizeEmail, publicUserSelect, type PublicUser } from "@authkit/db";

import type { Core } from "./core";
import { AuthError, orUnavailable } from "./errors";
import { sha256 } from "./random";
import { addressHit, hitOf } from "./rate-gate";
import { eventMeta, type Revocation } from "./revocation";
import type { Identity, RequestMeta } from "./types";
import type { Verification } from "./verification";

/** The caller's own profile (`user.me`): the public fields and whether the email is verified. */
export type Profile = PublicUser & { emailVerified: boolean };

export interface RegisterInput {
  email: string;
  password: string;
  name?: string | undefined;
}

/** Accounts: registration, the admin bootstrap, password changes and the caller's profile. */
export function createAccounts(core: Core, revocation: Revocation, verification: Verification) {
  const { prisma } = core.db;
  const { limits, gate } = core;
  // Email and name never change through this API and the role is in the token, so a profile
  // keyed by (user, token version) is fresh: a role change raises the version and misses.
  // Only verified profiles are cached: verification does not raise the version, and once
  // verified an email stays so.
  const profiles = new LRUCache<string, Profile>({ max: 10_000 });

  return {
    /**
     * Registration says when an email is taken (409): the form is useless otherwise. So that it
     * cannot enumerate accounts faster than login can guess passwords, every attempt also takes
     * a slot of the address's login-failure budget, given back only when an account is created.
     */
    async register(input: RegisterInput, meta: RequestMeta = {}): Promise<PublicUser> {
      const loginFailure = addressHit(limits.loginIp, meta.clientIp);
      await gate.take([addressHit(limits.registerIp, meta.clientIp), loginFailure]);
      const passwordHash = await core.passwords.hash(input.password);
      try {
        const user = await orUnavailable(() =>
          prisma.user.create({
            data: {
              email: normalizeEmail(input.email),
              name: input.name?.trim() || null,
              passwordHash,
            },
            select: publicUserSelect,
          }),
        );
        if (loginFailure) await gate.giveBack([loginFailure]);
        verification.afterRegister(user, meta);
        return user;
      } catch (error) {
        if (error instanceof AuthError && isUniqueViolation(error.cause))
          throw new AuthError("EMAIL_TAKEN");
        throw error;
      }
    },

    /**
     * Makes sure the `ADMIN_EMAIL` account exists and is an admin, at start-up. An account that
     * someone registered with that address before the operator set it is not simply promoted:
     * its password becomes `ADMIN_PASSWORD` and its sessions die, so the registrant's own
     * password never yields admin rights. An account that is already an admin is left alone
     * (its password may have been changed since, on purpose).
     */
    async ensureAdmin({ email, password }: { email: string; password: string }): Promise<void> {
      const normalized = normalizeEmail(email);
      const existing = await orUnavailable(() =>
        prisma.user.findUnique({
          where: { email: normalized },
          select: { id: true, role: true, passwordHash: true },
        }),
      );
      if (existing?.role === "admin") return;
      if (!existing) {
        const user = await orUnavailable(async () =>
          prisma.user.create({
            data: {
              email: normalized,
              name: "Admin",
              role: "admin",
              passwordHash: await core.passwords.hash(password),
            },
            select: { id: true },
          }),
        );
        core.events({ event: "admin.bootstrap", userId: user.id, reason: "created" });
        return;
      }
      const { ok } = await core.passwords.verify(existing.passwordHash, password);
      const passwordHash = ok ? existing.passwordHash : await core.passwords.hash(password);
      await orUnavailable(() =>
        prisma.user.update({ where: { id: existing.id }, data: { role: "admin", passwordHash } }),
      );
      if (!ok) await revocation.sessions(existing.id, { allExcept: null }, "password_reset");
      await revocation.tokenVersion(existing.id, ok ? "role_changed" : "password_reset");
      core.events({
        event: "admin.bootstrap",
        userId: existing.id,
        reason: ok ? "promoted" : "password_reset",
      });
    },

    /**
     * A wrong current password counts like a failed login (per account and per address): with a
     * stolen access token it would otherwise be an unlimited password oracle. This device stays
     * signed in; every other session dies with its access tokens.
     */
    async changePassword(
      identity: Identity,
      { currentPassword, newPassword }: { currentPassword: string; newPassword: string },
      meta: RequestMeta = {},
    ): Promise<void> {
      const userId = identity.user.id;
      const user = await orUnavailable(() =>
        prisma.user.findUnique({
          where: { id: userId },
          select: { email: true, passwordHash: true },
        }),
      );
      if (!user) throw new AuthError("UNAUTHENTICATED");
      const taken = await gate.take([
        addressHit(limits.loginIp, meta.clientIp),
        hitOf(limits.loginAccount, sha256(user.email)),
      ]);
      const check = await core.passwords.verify(user.passwordHash, currentPassword);
      if (!check.ok) {
        core.events({ event: "password.change_failed", userId, ...eventMeta(meta) });
        throw new AuthError("WRONG_PASSWORD");
      }
      await gate.giveBack(taken);
      const passwordHash = await core.passwords.hash(newPassword);
      // Only over the hash just verified: a concurrent change that won makes this one wrong.
      const { count } = await orUnavailable(() =>
        prisma.user.updateMany({
          where: { id: userId, passwordHash: user.passwordHash },
          data: { passwordHash },
        }),
      );
      if (count !== 1) throw new AuthError("WRONG_PASSWORD");
      await revocation.sessions(
        userId,
        { allExcept: identity.session.id },
        "password_changed",
        meta,
      );
      core.events({
        event: "password.changed",
        userId,
        sessionId: identity.session.id,
        ...eventMeta(meta),
      });
    },

    async profile(identity: Identity): Promise<Profile> {
      const key = `${identity.user.id}:${identity.token.ver}`;
      const cached = profiles.get(key);
      if (cached) return cached;
      const row = await orUnavailable(() =>
        prisma.user.findUnique({
          where: { id: identity.user.id },
          select: { ...publicUserSelect, emailVerifiedAt: true },
        }),
      );
      if (!row) throw new AuthError("UNAUTHENTICATED");
      const { emailVerifiedAt, ...user } = row;
      const profile = { ...user, emailVerified: emailVerifiedAt !== null };
      if (profile.emailVerified) profiles.set(key, profile);
      return profile;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
