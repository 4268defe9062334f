/**
 * Issue 23, finding 12: users of the FastAPI seed, imported with their passlib bcrypt hashes,
 * sign in, and their next sign-in leaves an argon2id hash. The import is all or nothing.
 * The command-line tool itself, compiled, is run in packages/api/test/users-import.test.ts.
 */
import argon2 from "argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import { PASSWORD_HASH_PARAMS } from "../src/password";
import { importUsers, parseUsersFile, UsersImportError } from "../src/users-import";

import { loginSession, startCore, uniqueEmail, type CoreUnderTest } from "./setup";

/** Debian's python3-passlib 1.7.4: `CryptContext(schemes=["bcrypt"]).hash(...)` at cost 4. */
const PASSLIB_HASH = "$2b$04$848oUB/7UnGKO3mz/atZCeEY6875MxfIrDsCPihSsHTnnYVeYqLcm";
const PASSWORD = "imported from fastapi";

function problemsOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(UsersImportError);
    return (error as UsersImportError).problems;
  }
  throw new Error("expected a UsersImportError");
}

describe("parseUsersFile", () => {
  it("normalises emails as registration does and defaults the role", () => {
    expect(
      parseUsersFile([
        { email: "  Ada@Example.COM ", passwordHash: PASSLIB_HASH, name: " Ada " },
        { email: "root@example.com", passwordHash: PASSLIB_HASH, role: "admin", name: null },
      ]),
    ).toEqual([
      {
        email: "ada@example.com",
        passwordHash: PASSLIB_HASH,
        name: "Ada",
        role: "user",
        scheme: "bcrypt",
      },
      {
        email: "root@example.com",
        passwordHash: PASSLIB_HASH,
        name: null,
        role: "admin",
        scheme: "bcrypt",
      },
    ]);
  });

  it("lists every bad entry at once, naming it, never echoing a hash", () => {
    const pbkdf2 =
      "$pbkdf2-sha256$29000$N2bsvTcmZEwJQYgRIiTEmA$2Vp1fEwQWY9xV8nM4oX3n0X7ZrYk2G6O6pQJ3m5yB4s";
    const problems = problemsOf(() =>
      parseUsersFile([
        { email: "ok@example.com", passwordHash: PASSLIB_HASH },
        { email: "pbkdf2@example.com", passwordHash: pbkdf2 },
        { email: "plain@example.com", passwordHash: "hunter2" },
        { email: "not an email", passwordHash: PASSLIB_HASH },
        { email: "OK@example.com", passwordHash: PASSLIB_HASH },
        { email: "typo@example.com", password_hash: PASSLIB_HASH },
        { email: "role@example.com", passwordHash: PASSLIB_HASH, role: "root" },
        "not an object",
      ]),
    );
    expect(problems).toEqual([
      "entry 1 (pbkdf2@example.com): passwordHash: not an argon2id ($argon2id$v=19$…) or bcrypt ($2a$, $2b$, $2y$) hash (it starts with $pbkdf2-sha256$)",
      "entry 2 (plain@example.com): passwordHash: not an argon2id ($argon2id$v=19$…) or bcrypt ($2a$, $2b$, $2y$) hash (it is not in modular crypt format: a plain password?)",
      "entry 3 (not an email): email: not an email address",
      "entry 4 (OK@example.com): the same email as entry 0",
      expect.stringMatching(/^entry 5 \(typo@example\.com\): passwordHash: /),
      expect.stringMatching(/^entry 5 \(typo@example\.com\): entry: .*password_hash/),
      expect.stringMatching(/^entry 6 \(role@example\.com\): role: /),
      expect.stringMatching(/^entry 7: entry: /),
    ]);
    expect(problems.join("\n")).not.toContain(PASSLIB_HASH);
    expect(problems.join("\n")).not.toContain("hunter2");
    expect(problems.join("\n")).not.toContain("2Vp1fEwQ");
  });

  it("refuses a file that is not an array, or empty", () => {
    expect(problemsOf(() => parseUsersFile({ users: [] }))).toEqual([
      "the file must hold a JSON array of users",
    ]);
    expect(problemsOf(() => parseUsersFile([]))).toEqual(["the file holds no users"]);
  });
});

describe.each(await databaseKinds())("importUsers on %s", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({ kind });
  });
  afterAll(() => core.close());

  const hashOf = async (email: string) =>
    (await core.db.prisma.user.findUniqueOrThrow({ where: { email } })).passwordHash;

  it("imports bcrypt and argon2id users; a bcrypt user signs in and is rehashed to argon2id", async () => {
    const bcryptUser = uniqueEmail("fastapi");
    const argonUser = uniqueEmail("argon");
    // Made at today's parameters, so nothing upgrades it (older parameters would be, as ever).
    const argonHash = await argon2.hash(PASSWORD, PASSWORD_HASH_PARAMS);
    const users = parseUsersFile([
      { email: bcryptUser.toUpperCase(), passwordHash: PASSLIB_HASH, name: "From FastAPI" },
      { email: argonUser, passwordHash: argonHash, role: "admin" },
    ]);

    // A dry run checks everything and writes nothing.
    const dry = await importUsers(core, users, { dryRun: true });
    expect(dry).toEqual({ count: 2, byScheme: { argon2id: 1, bcrypt: 1 }, dryRun: true });
    expect(
      await core.db.prisma.user.count({ where: { email: { in: [bcryptUser, argonUser] } } }),
    ).toBe(0);

    const done = await importUsers(core, users, { dryRun: false });
    expect(done).toEqual({ count: 2, byScheme: { argon2id: 1, bcrypt: 1 }, dryRun: false });
    expect(await hashOf(bcryptUser)).toBe(PASSLIB_HASH);
    const row = await core.db.prisma.user.findUniqueOrThrow({ where: { email: argonUser } });
    expect(row).toMatchObject({ role: "admin", passwordHash: argonHash });

    // A wrong password leaves the bcrypt hash alone; the right one signs in and replaces it.
    await expect(
      loginSession(core.auth, { email: bcryptUser, password: "wrong" }),
    ).rejects.toThrow();
    expect(await hashOf(bcryptUser)).toBe(PASSLIB_HASH);
    const pair = await loginSession(core.auth, { email: bcryptUser, password: PASSWORD });
    expect(pair.user).toMatchObject({ email: bcryptUser, name: "From FastAPI", role: "user" });
    const rehashed = await hashOf(bcryptUser);
    expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await argon2.verify(rehashed, PASSWORD)).toBe(true);
    // And from then on it is an ordinary account.
    await loginSession(core.auth, { email: bcryptUser, password: PASSWORD });
    expect(await hashOf(bcryptUser)).toBe(rehashed);
    await loginSession(core.auth, { email: argonUser, password: PASSWORD });
    expect(await hashOf(argonUser)).toBe(argonHash);
  });

  it("writes nothing when one email already has an account, and names every such entry", async () => {
    const existing = uniqueEmail("taken");
    await core.auth.accounts.register({
      email: existing,
      password: "a long unguessable passphrase 42",
    });
    const fresh = uniqueEmail("fresh");
    const users = parseUsersFile([
      { email: fresh, passwordHash: PASSLIB_HASH },
      { email: existing.toUpperCase(), passwordHash: PASSLIB_HASH },
    ]);
    for (const dryRun of [true, false]) {
      const error = await importUsers(core, users, { dryRun }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsersImportError);
      expect((error as UsersImportError).problems).toEqual([
        `entry 1 (${existing}): an account with this email already exists`,
      ]);
    }
    expect(await core.db.prisma.user.count({ where: { email: fresh } })).toBe(0);
  });
});
