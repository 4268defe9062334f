import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, databaseKinds, type TestDatabase } from "../src/testing";

import { isUniqueViolation, normalizeEmail, publicUserSelect } from "../src";

const kinds = await databaseKinds();

describe.each(kinds)("users on %s", (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.destroy());

  it("creates a user and reads it back by case-insensitive email", async () => {
    const created = await db.prisma.user.create({
      data: {
        email: normalizeEmail("  Ada@Example.COM "),
        name: "Ada",
        passwordHash: "$argon2id$x",
      },
      select: publicUserSelect,
    });
    expect(created).toEqual({
      id: expect.any(String),
      email: "ada@example.com",
      name: "Ada",
      role: "user",
    });
    expect(created).not.toHaveProperty("passwordHash");

    const found = await db.prisma.user.findUnique({
      where: { email: normalizeEmail("ADA@example.com") },
      select: publicUserSelect,
    });
    expect(found).toEqual(created);
  });

  it("rejects a duplicate email with a unique violation and leaves no partial row", async () => {
    const before = await db.prisma.user.count();
    const duplicate = db.prisma.user.create({
      data: { email: normalizeEmail("ADA@EXAMPLE.com"), passwordHash: "$argon2id$y" },
    });
    const error: unknown = await duplicate.catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    expect(await db.prisma.user.count()).toBe(before);
  });
});
