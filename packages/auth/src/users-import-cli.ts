/**
 * `pnpm users:import <file.json> [--dry-run]`: imports users with their existing password hashes
 * into DATABASE_URL, or the embedded database in DATA_DIR (stop the server first: the embedded
 * database belongs to one process). The file is a JSON array of
 * `{ "email", "passwordHash", "name"?, "role"? }`; see docs/security.md, "Importing users".
 *
 * Compiled to dist/ like the servers, so production runs it without a TypeScript loader.
 * Problems are listed, one line each, and the process exits 1 having written nothing; a wrong
 * command line exits 2.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { ConfigError, loadConfig } from "@authkit/config";
import { describeTarget, errorReason } from "@authkit/db";
import { openMigrated } from "@authkit/db/embedded";

import { importUsers, parseUsersFile, UsersImportError, type ImportSummary } from "./users-import";

const USAGE = "Usage: pnpm users:import <file.json> [--dry-run]";

/** The file named on the command line and whether this is a dry run; null for a bad command line. */
function parseArguments(args: string[]): { file: string; dryRun: boolean } | null {
  const flags = args.filter((arg) => arg.startsWith("--"));
  const files = args.filter((arg) => !arg.startsWith("--"));
  if (files.length !== 1 || flags.some((flag) => flag !== "--dry-run")) return null;
  return { file: files[0]!, dryRun: flags.includes("--dry-run") };
}

function readUsersFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsersImportError([`cannot read ${path}: ${errorReason(error)}`]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsersImportError([`${path} is not JSON: ${errorReason(error)}`]);
  }
}

function describe(summary: ImportSummary, where: string): string {
  const { count, byScheme, dryRun } = summary;
  const schemes = `${byScheme.bcrypt} bcrypt (rehashed to argon2id at each one's next sign-in), ${byScheme.argon2id} argon2id`;
  return dryRun
    ? `Dry run: ${count} user${count === 1 ? "" : "s"} would be imported into ${where} (${schemes}); nothing was written.`
    : `Imported ${count} user${count === 1 ? "" : "s"} into ${where}: ${schemes}.`;
}

async function main(args: string[], cwd: string): Promise<number> {
  const parsed = parseArguments(args);
  if (!parsed) {
    console.error(USAGE);
    return 2;
  }
  const users = parseUsersFile(readUsersFile(resolve(cwd, parsed.file)));
  // eslint-disable-next-line no-restricted-properties -- CLI entry point: the one place env is read
  const config = loadConfig(process.env, { needsSigningKey: false });
  const where = describeTarget(config.database);
  const db = await openMigrated(config.database);
  try {
    console.log(describe(await importUsers({ db }, users, parsed), where));
    return 0;
  } finally {
    await db.close();
  }
}

let code: number;
try {
  // pnpm runs root scripts at the repository root; the file is named from where it was typed.
  // eslint-disable-next-line no-restricted-properties -- CLI entry point: the one place env is read
  code = await main(process.argv.slice(2), process.env.INIT_CWD ?? process.cwd());
} catch (error) {
  if (error instanceof UsersImportError || error instanceof ConfigError)
    console.error(error.message);
  else console.error(`Import failed: ${errorReason(error)}`);
  code = 1;
}
process.exit(code);
