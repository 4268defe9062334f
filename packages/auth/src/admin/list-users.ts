import { normalizeEmail, publicUserSelect, type PublicUser } from "@authkit/db";

import type { Core } from "../core";
import { orUnavailable } from "../errors";

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

/** One page of users, oldest first, optionally those whose email contains `email`. */
export async function listUsers(
  deps: Pick<Core, "db">,
  { page = 1, pageSize = 20, email }: UserListQuery = {},
): Promise<UserPage> {
  const size = Math.min(Math.max(1, Math.floor(pageSize)), MAX_PAGE_SIZE);
  const current = Math.max(1, Math.floor(page));
  const search = email?.trim() ? normalizeEmail(email) : "";
  // Emails are stored lower-cased, so a plain LIKE on the lower-cased search is enough.
  const where = search ? { email: { contains: likeLiteral(search) } } : {};
  const { prisma } = deps.db;
  const [rows, total] = await orUnavailable(() =>
    Promise.all([
      prisma.user.findMany({
        where,
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        skip: (current - 1) * size,
        take: size,
        select: { ...publicUserSelect, createdAt: true, disabledAt: true, emailVerifiedAt: true },
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
}
