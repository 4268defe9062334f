/**
 * Issue 23, finding 12: `pnpm users:import`, compiled as production runs it, on both databases.
 * A user of the FastAPI seed (a bcrypt hash made the seed's way, by passlib) is imported, signs
 * in to a real server, and leaves an argon2id hash behind; a bad file writes nothing.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";

import { PRODUCTION_ENV } from "@authkit/build/production";
import { openDatabase } from "@authkit/db";
import { createTestDatabase, databaseKinds, IN_CI, type DatabaseKind } from "@authkit/db/testing";

import { call, uniqueEmail } from "./harness";
import { REPO, startServerProcess } from "./server-process";

const execFileAsync = promisify(execFile);
const CLI = fileURLToPath(new URL("../../auth/dist/users-import-cli.js", import.meta.url));
const PYTHON = "/usr/bin/python3";
const PASSWORD = "imported from fastapi";

/**
 * A bcrypt hash exactly as the seed stores one: passlib's `CryptContext(schemes=["bcrypt"],
 * deprecated="auto")`, at cost 10 to keep the test quick. Debian's python3-passlib is required
 * in CI (.ci/run installs it); elsewhere bcryptjs makes the same `$2b$` format.
 */
async function seedHash(password: string): Promise<string> {
  const script =
    'import sys; from passlib.context import CryptContext; print(CryptContext(schemes=["bcrypt"], deprecated="auto", bcrypt__rounds=10).hash(sys.argv[1]))';
  try {
    const { stdout } = await execFileAsync(PYTHON, ["-c", script, password]);
    return stdout.trim();
  } catch (error) {
    if (IN_CI)
      throw new Error(
        `python3-passlib is required in CI (apt-get install python3-passlib python3-bcrypt): ${String(error)}`,
      );
    console.warn("python3-passlib missing: the seed's hash is made with bcryptjs instead.");
    return bcrypt.hash(password, 10);
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runImport(args: string[], env: Record<string, string>): Promise<Run> {
  return execFileAsync(process.execPath, ["--conditions=authkit-dist", CLI, ...args], {
    cwd: REPO,
    env: {
      ...PRODUCTION_ENV,
      // eslint-disable-next-line no-restricted-properties -- the child's PATH, not config
      PATH: process.env.PATH,
      ...env,
    },
    timeout: 120_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

interface Storage {
  env: Record<string, string>;
  hashOf(email: string): Promise<string>;
  destroy(): Promise<void>;
}

async function storage(kind: DatabaseKind): Promise<Storage> {
  if (kind === "postgresql") {
    const db = await createTestDatabase("postgresql");
    return {
      env: { DATABASE_URL: db.url! },
      hashOf: async (email: string) =>
        (await db.prisma.user.findUniqueOrThrow({ where: { email } })).passwordHash,
      destroy: () => db.destroy(),
    };
  }
  // The embedded database: the tool migrates a new one, as the server would.
  const dataDir = mkdtempSync(join(tmpdir(), "authkit-import-"));
  return {
    env: { DATA_DIR: dataDir },
    hashOf: async (email: string) => {
      const db = await openDatabase({ dataDir: join(dataDir, "pglite") });
      try {
        return (await db.prisma.user.findUniqueOrThrow({ where: { email } })).passwordHash;
      } finally {
        await db.close();
      }
    },
    destroy: () => Promise.resolve(),
  };
}

describe.each(await databaseKinds())("pnpm users:import on %s", (kind) => {
  it("imports a FastAPI user with the seed's bcrypt hash, who signs in and is rehashed to argon2id", async () => {
    const store = await storage(kind);
    const email = uniqueEmail("fastapi");
    const hash = await seedHash(PASSWORD);
    expect(hash).toMatch(/^\$2b\$10\$/);
    const dir = mkdtempSync(join(tmpdir(), "authkit-users-"));
    const file = join(dir, "users.json");
    writeFileSync(
      file,
      JSON.stringify([{ email: `  ${email.toUpperCase()}`, passwordHash: hash, name: "Ada" }]),
    );
    try {
      const dry = await runImport([file, "--dry-run"], store.env);
      expect(dry).toMatchObject({ code: 0, stderr: "" });
      expect(dry.stdout).toMatch(
        /^Dry run: 1 user would be imported into .* \(1 bcrypt .*, 0 argon2id\); nothing was written\.$/m,
      );

      const done = await runImport([file], store.env);
      expect(done).toMatchObject({ code: 0, stderr: "" });
      expect(done.stdout).toMatch(/^Imported 1 user into .*: 1 bcrypt/m);
      expect(done.stdout + done.stderr).not.toContain(hash);
      expect(await store.hashOf(email)).toBe(hash);

      // Importing it again: refused, nothing written, no stack.
      const again = await runImport([file], store.env);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        `Nothing was imported:\n  - entry 0 (${email}): an account with this email already exists\n`,
      );

      const server = await startServerProcess(store.env);
      try {
        const signedIn = await call<{ user: { email: string; name: string } }>(
          server.url,
          "mutation",
          "auth.login",
          {
            input: { email, password: PASSWORD },
          },
        );
        expect(signedIn.status).toBe(200);
        expect(signedIn.data.user).toMatchObject({ email, name: "Ada" });
      } finally {
        await server.stop();
      }
      expect(await store.hashOf(email)).toMatch(/^\$argon2id\$v=19\$/);
    } finally {
      await store.destroy();
    }
    // Several runs of the tool and a server process, each a process of its own.
  }, 300_000);

  it("writes nothing from a file with one bad entry, naming it, and exits 1", async () => {
    const store = await storage(kind);
    const good = uniqueEmail("good");
    const dir = mkdtempSync(join(tmpdir(), "authkit-users-"));
    const file = join(dir, "users.json");
    writeFileSync(
      file,
      JSON.stringify([
        { email: good, passwordHash: await bcrypt.hash(PASSWORD, 4) },
        {
          email: "sha@example.com",
          passwordHash: "$5$rounds=5000$saltsalt$Rw3VdKXkBmZ9N4LVhY4iX1FJqZ5aWdS3QbT9h6dF4b8",
        },
      ]),
    );
    try {
      const result = await runImport([file], store.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        "Nothing was imported:\n  - entry 1 (sha@example.com): passwordHash: not an argon2id ($argon2id$v=19$…) or bcrypt ($2a$, $2b$, $2y$) hash (it starts with $5$)\n",
      );
      const usage = await runImport([], store.env);
      expect(usage).toMatchObject({
        code: 2,
        stderr: "Usage: pnpm users:import <file.json> [--dry-run]\n",
      });
      // The good entry was not written either (the real import of it succeeds now).
      writeFileSync(
        file,
        JSON.stringify([{ email: good, passwordHash: await bcrypt.hash(PASSWORD, 4) }]),
      );
      expect((await runImport([file], store.env)).code).toBe(0);
    } finally {
      await store.destroy();
    }
    // Several runs of the tool and a server process, each a process of its own.
  }, 300_000);
});
