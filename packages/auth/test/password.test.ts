/**
 * Issue 23, finding 12: hashes in the FastAPI seed's format (passlib's bcrypt) could never
 * verify, so imported users could not sign in. They verify now, and ask to be rehashed.
 * The fixtures were made by Debian's python3-passlib 1.7.4:
 *   bcrypt.using(ident=…, rounds=4).hash("imported from fastapi")
 */
import argon2 from "argon2";
import { describe, expect, it } from "vitest";

import { isAuthError } from "../src/errors";
import { PasswordHasher } from "../src/password";
import { storedHashProblem, storedHashScheme } from "../src/stored-hash";

const PASSWORD = "imported from fastapi";
const PASSLIB = {
  $2b$: "$2b$04$848oUB/7UnGKO3mz/atZCeEY6875MxfIrDsCPihSsHTnnYVeYqLcm",
  $2a$: "$2a$04$T4vPszJxlIKmT1ftTFMEFuL1k.aAAaakATVe5n1JGq97osFgbbyqe",
  $2y$: "$2y$04$LNjDbFNpcbRDQGLpKqB1p.0n1iuqB8mAgEbP.qZ.KxSg4NoxuDl4.",
};
/** passlib's hash of 72 × "x" followed by "-and-more" (81 bytes; bcrypt reads 72). */
const PASSLIB_LONG = "$2b$04$WPSwtOSKdVlvemLlPzphI.CSmNbZafQ2uTZJmX7C0ZeSzIqtBA2PC";
/** passlib's default (`CryptContext(schemes=["bcrypt"])`): cost 12. */
const PASSLIB_DEFAULT = "$2b$12$FH/mAHCFfgyeMb/0zpBqGulY6IxFXpqStmwCCYbeFA0t.rlKl/D96";

describe("PasswordHasher with bcrypt hashes", () => {
  const hasher = new PasswordHasher();

  it.each(Object.entries(PASSLIB))(
    "verifies passlib's %s hash and asks for an argon2id rehash",
    async (_, hash) => {
      expect(await hasher.verify(hash, PASSWORD)).toEqual({ ok: true, needsRehash: true });
      expect(await hasher.verify(hash, "imported from django")).toEqual({
        ok: false,
        needsRehash: false,
      });
    },
  );

  it("verifies the seed's default cost (12)", async () => {
    expect(await hasher.verify(PASSLIB_DEFAULT, PASSWORD)).toEqual({ ok: true, needsRehash: true });
  });

  it("reads the first 72 bytes of a longer password, as passlib did when it made the hash", async () => {
    const long = `${"x".repeat(72)}-and-more`;
    expect((await hasher.verify(PASSLIB_LONG, long)).ok).toBe(true);
    expect((await hasher.verify(PASSLIB_LONG, "x".repeat(72))).ok).toBe(true);
    expect((await hasher.verify(PASSLIB_LONG, "x".repeat(71))).ok).toBe(false);
  });

  it("rehashes to argon2id at the parameters of the day", async () => {
    const upgraded = await hasher.hash(PASSWORD);
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(upgraded, PASSWORD)).toEqual({ ok: true, needsRehash: false });
  });

  it("never computes a bcrypt hash whose cost is outside 4–14, nor a mangled one", async () => {
    const costly = PASSLIB.$2b$.replace("$04$", "$31$");
    // 2^31 rounds would take hours (the test would time out): it is refused before any work.
    expect(await hasher.verify(costly, PASSWORD)).toEqual({ ok: false, needsRehash: false });
    for (const mangled of [PASSLIB.$2b$.slice(0, -1), PASSLIB.$2b$.replace("$2b$", "$2x$"), ""])
      expect((await hasher.verify(mangled, PASSWORD)).ok).toBe(false);
  });

  it("runs one bcrypt verify at a time and answers OVERLOADED past a short queue", async () => {
    const tiny = new PasswordHasher({ maxBcryptQueued: 1 });
    const slow = PASSLIB_DEFAULT;
    const results = await Promise.allSettled([1, 2, 3].map(() => tiny.verify(slow, PASSWORD)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    const refused = (results[2] as PromiseRejectedResult).reason as unknown;
    expect(isAuthError(refused, "OVERLOADED")).toBe(true);
  });
});

describe("storedHashProblem", () => {
  it("accepts argon2id within bounds and bcrypt of cost 4–14", async () => {
    expect(storedHashProblem(await argon2.hash("x", { type: argon2.argon2id }))).toBeNull();
    for (const hash of [...Object.values(PASSLIB), PASSLIB_DEFAULT]) {
      expect(storedHashProblem(hash)).toBeNull();
      expect(storedHashScheme(hash)).toBe("bcrypt");
    }
  });

  it.each([
    [
      "argon2i",
      "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5mQ0x8HwZf9vA6iVNHk7pJ6dWm2oZ1q8nQ6Xo8QGd7c",
      /starts with \$argon2i\$/,
    ],
    [
      "argon2id with 1 GiB",
      "$argon2id$v=19$m=1048576,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5mQ0x8HwZf9vA6iVNHk7pJ6dWm2oZ1q8nQ6Xo8QGd7c",
      /exceed m=65536/,
    ],
    [
      "pbkdf2 (passlib)",
      "$pbkdf2-sha256$29000$N2bsvTcmZEwJQYgRIiTEmA$2Vp1fEwQWY9xV8nM4oX3n0X7ZrYk2G6O6pQJ3m5yB4s",
      /starts with \$pbkdf2-sha256\$/,
    ],
    ["md5-crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", /starts with \$1\$/],
    ["bcrypt of cost 15", PASSLIB.$2b$.replace("$04$", "$15$"), /bcrypt cost 15 is outside 4–14/],
    ["a plain password", "hunter2hunter2", /a plain password\?/],
  ])("refuses %s, by its scheme and never its content", (_, hash, reason) => {
    const problem = storedHashProblem(hash);
    expect(problem).toMatch(reason);
    expect(problem).not.toContain(hash.slice(-20));
  });
});
