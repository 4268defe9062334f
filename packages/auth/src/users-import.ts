/**
 * `pnpm users:import <file>`: accounts made elsewhere (the FastAPI seed, say) with the password
 * hashes they already have. argon2id hashes work as they are; bcrypt hashes verify until each
 * user's next sign-in replaces them with argon2id (password.ts), as passlib's
 * `deprecated="auto"` would have. All or nothing: one bad entry and nothing is written.
 */
import { z } from "zod";

import { isUniqueViolation, normalizeEmail, type Database } from "@authkit/db";

import { storedHashProblem, storedHashScheme, type StoredHashScheme } from "./stored-hash";

export interface ImportedUser {
  email: string;
  passwordHash: string;
  name: string | null;
  role: "user" | "admin";
  scheme: StoredHashScheme;
}

/** Every problem of an import, each naming its entry; never a password hash. */
export class UsersImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`Nothing was imported:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "UsersImportError";
  }
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One entry: registration's rules for email and name (packages/api schemas.ts), no other keys. */
const entrySchema = z.strictObject({
  email: z.string().trim().max(254, "at most 254 characters").pipe(z.email("not an email address")),
  passwordHash: z.string(),
  name: z
    .string()
    .trim()
    .max(100, "at most 100 characters")
    .refine((text) => !CONTROL.test(text) && !LONE_SURROGATE.test(text), "invalid characters")
    .nullish(),
  role: z.enum(["user", "admin"]).default("user"),
});

/** The file's JSON, checked entry by entry: the users to import, or every problem at once. */
export function parseUsersFile(json: unknown): ImportedUser[] {
  if (!Array.isArray(json))
    throw new UsersImportError(["the file must hold a JSON array of users"]);
  const problems: string[] = [];
  const users: ImportedUser[] = [];
  const firstEntryOf = new Map<string, number>();
  for (const [index, entry] of json.entries()) {
    const label = entryLabel(index, entry);
    const parsed = entrySchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${label}: ${issue.path.join(".") || "entry"}: ${issue.message}`);
      continue;
    }
    const { email, passwordHash, name, role } = parsed.data;
    const hashProblem = storedHashProblem(passwordHash);
    const scheme = storedHashScheme(passwordHash);
    if (hashProblem || !scheme) problems.push(`${label}: passwordHash: ${hashProblem}`);
    const normalized = normalizeEmail(email);
    const first = firstEntryOf.get(normalized);
    if (first !== undefined) problems.push(`${label}: the same email as entry ${first}`);
    else firstEntryOf.set(normalized, index);
    if (scheme) users.push({ email: normalized, passwordHash, name: name || null, role, scheme });
  }
  if (json.length === 0) problems.push("the file holds no users");
  if (problems.length > 0) throw new UsersImportError(problems);
  return users;
}

/** `entry 3 (ada@example.com)`, counting from 0 as the array does; the email only if it is one. */
function entryLabel(index: number, entry: unknown): string {
  const email =
    typeof entry === "object" && entry !== null && "email" in entry ? entry.email : undefined;
  return typeof email === "string" && email.length <= 254 && !CONTROL.test(email)
    ? `entry ${index} (${email.trim()})`
    : `entry ${index}`;
}

export interface ImportSummary {
  /** Users written, or that would be written on a dry run. */
  count: number;
  byScheme: Record<StoredHashScheme, number>;
  dryRun: boolean;
}

/** Rows per INSERT: large files stay within the statement's parameter limit. */
const BATCH = 1000;

/**
 * Writes the users in one transaction, or nothing: an email that already has an account fails
 * the whole import (it names every such entry), and so does one registered while it runs. A dry
 * run checks the same and writes nothing.
 */
export async function importUsers(
  deps: { db: Pick<Database, "prisma"> },
  users: ImportedUser[],
  { dryRun }: { dryRun: boolean },
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    count: users.length,
    byScheme: {
      argon2id: users.filter((u) => u.scheme === "argon2id").length,
      bcrypt: users.filter((u) => u.scheme === "bcrypt").length,
    },
    dryRun,
  };
  try {
    await deps.db.prisma.$transaction(
      async (tx) => {
        const taken = await tx.user.findMany({
          where: { email: { in: users.map((u) => u.email) } },
          select: { email: true },
        });
        if (taken.length > 0) throw new UsersImportError(takenProblems(users, taken));
        if (dryRun) return;
        for (let start = 0; start < users.length; start += BATCH) {
          await tx.user.createMany({
            data: users.slice(start, start + BATCH).map(({ email, passwordHash, name, role }) => ({
              email,
              passwordHash,
              name,
              role,
            })),
          });
        }
      },
      { maxWait: 10_000, timeout: 10 * 60_000 },
    );
  } catch (error) {
    if (isUniqueViolation(error))
      throw new UsersImportError([
        "an account with one of these emails was registered while the import ran; run it again",
      ]);
    throw error;
  }
  return summary;
}

function takenProblems(users: ImportedUser[], taken: { email: string }[]): string[] {
  const emails = new Set(taken.map((row) => row.email));
  return users.flatMap((user, index) =>
    emails.has(user.email)
      ? [`entry ${index} (${user.email}): an account with this email already exists`]
      : [],
  );
}
