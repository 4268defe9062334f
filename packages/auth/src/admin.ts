import { normalizeEmail, publicUserSelect, type PublicUser } from "@authkit/db";

import type { Role } from "./access-token";
import { now, type Core } from "./core";
import { AuthError, orUnavailable } from "./errors";
import { eventMeta, type Revocation } from "./revocation";
import type { Identity, RequestMeta } from "./types";

/** One row of the admin's user list. */
export type AdminUserView = PublicUser & {
  createdAt: string;
  disabled: boolean;
  emailVerified: boolean;
};

export interface UserListQuery {
  /** 1-based. */
  page?: number;
  pageSize?: number;
  /** Part of an email, matched case-insensitively. */
  email?: string;
}

export interface UserPage {
  users: AdminUserView[];
  total: number;
  page: number;
  pageSize: number;
}

export const MAX_PAGE_SIZE = 100;

/** Escapes LIKE's wildcards, so a search for `a_b` finds `a_b` and not `axb`. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** What admins can do to other accounts. */
export function createAdmin(core: Core, revocation: Revocation) {
  const { prisma } = core.db;

  /** Every session and access token of the user dies now, on every instance (and its streams). */
  async function signOutEverywhere(
    userId: string,
    reason: "user_disabled" | "revoked_by_admin",
    meta: RequestMeta,
  ) {
    await revocation.sessions(userId, { allExcept: null }, reason, meta);
    await revocation.tokenVersion(userId, reason);
  }

  return {
    /** One page of users, oldest first, optionally those whose email contains `email`. */
    async listUsers({ page = 1, pageSize = 20, email }: UserListQuery = {}): Promise<UserPage> {
      const size = Math.min(Math.max(1, Math.floor(pageSize)), MAX_PAGE_SIZE);
      const current = Math.max(1, Math.floor(page));
      const search = email?.trim() ? normalizeEmail(email) : "";
      // Emails are stored lower-cased, so a plain LIKE on the lower-cased search is enough.
      const where = search ? { email: { contains: likeLiteral(search) } } : {};
      const [rows, total] = await orUnavailable(() =>
        Promise.all([
          prisma.user.findMany({
            where,
            orderBy: [{ createdAt: "asc" }, { id: "asc" }],
            skip: (current - 1) * size,
            take: size,
            select: {
              ...publicUserSelect,
              createdAt: true,
              disabledAt: true,
              emailVerifiedAt: true,
            },
          }),
          prisma.user.count({ where }),
        ]),
      );
      return {
        users: rows.map(({ createdAt, disabledAt, emailVerifiedAt, ...user }) => ({
          ...user,
          createdAt: createdAt.toISOString(),
          disabled: disabledAt !== null,
          emailVerified: emailVerifiedAt !== null,
        })),
        total,
        page: current,
        pageSize: size,
      };
    },

    /**
     * A role change kills the user's access tokens, so the new role is in force on the next
     * request. Called again with the same role it revokes again, which is what makes a retry
     * after a 503 complete. The last enabled admin cannot be demoted.
     */
    async setRole(userId: string, role: Role, meta: RequestMeta = {}): Promise<void> {
      const changed = await orUnavailable(() =>
        prisma.$transaction(async (tx) => {
          const user = await tx.user.findUnique({
            where: { id: userId },
            select: { role: true, disabledAt: true },
          });
          if (!user) throw new AuthError("NOT_FOUND");
          if (user.role === role) return false;
          if (role === "user" && !user.disabledAt) await assertAnotherAdmin(tx);
          await tx.user.update({ where: { id: userId }, data: { role } });
          return true;
        }),
      );
      await revocation.tokenVersion(userId, "role_changed");
      if (changed) core.events({ event: "role.changed", userId, role, ...eventMeta(meta) });
    },

    /**
     * The user is signed out everywhere now and cannot sign in, refresh or use any token until
     * enabled again. The last enabled admin cannot be disabled (nobody could enable them).
     * Repeating it revokes again, so a retry after a 503 completes.
     */
    async disableUser(actor: Identity, userId: string, meta: RequestMeta = {}): Promise<void> {
      const changed = await orUnavailable(() =>
        prisma.$transaction(async (tx) => {
          const user = await tx.user.findUnique({
            where: { id: userId },
            select: { role: true, disabledAt: true },
          });
          if (!user) throw new AuthError("NOT_FOUND");
          if (user.disabledAt) return false;
          if (user.role === "admin") await assertAnotherAdmin(tx);
          await tx.user.update({ where: { id: userId }, data: { disabledAt: now(core) } });
          return true;
        }),
      );
      await signOutEverywhere(userId, "user_disabled", meta);
      if (changed)
        core.events({ event: "user.disabled", userId, actorId: actor.user.id, ...eventMeta(meta) });
    },

    /** Lets a disabled user sign in again (their old sessions stay dead). */
    async enableUser(actor: Identity, userId: string, meta: RequestMeta = {}): Promise<void> {
      const user = await orUnavailable(() =>
        prisma.user.findUnique({ where: { id: userId }, select: { disabledAt: true } }),
      );
      if (!user) throw new AuthError("NOT_FOUND");
      if (!user.disabledAt) return;
      await orUnavailable(() =>
        prisma.user.update({ where: { id: userId }, data: { disabledAt: null } }),
      );
      core.events({ event: "user.enabled", userId, actorId: actor.user.id, ...eventMeta(meta) });
    },

    /** Signs the user out everywhere without disabling them: they can sign in again. */
    async revokeSessions(actor: Identity, userId: string, meta: RequestMeta = {}): Promise<void> {
      const user = await orUnavailable(() =>
        prisma.user.findUnique({ where: { id: userId }, select: { id: true } }),
      );
      if (!user) throw new AuthError("NOT_FOUND");
      await signOutEverywhere(userId, "revoked_by_admin", meta);
      core.events({
        event: "sessions.revoked_by_admin",
        userId,
        actorId: actor.user.id,
        ...eventMeta(meta),
      });
    },
  };
}

export type Admin = ReturnType<typeof createAdmin>;

type Transaction = Parameters<Parameters<Core["db"]["prisma"]["$transaction"]>[0]>[0];

/**
 * Refuses to take away the last enabled admin (nobody could undo it). The enabled admins' rows are
 * locked first: two admins demoting or disabling each other at once would otherwise both count
 * two and leave none.
 */
async function assertAnotherAdmin(tx: Transaction): Promise<void> {
  const admins = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM users WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE`;
  if (admins.length <= 1) throw new AuthError("LAST_ADMIN");
}
