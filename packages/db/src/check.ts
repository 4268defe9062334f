import pg from "pg";

import type { DatabaseTarget } from "./client";

/** The database could not be reached or opened at start-up; the message says which and why. */
export class DatabaseUnavailableError extends Error {
  readonly code = "DATABASE_UNAVAILABLE";
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = "DatabaseUnavailableError";
  }
}

/** A connection URL fit for logs: the password replaced by `****`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return "(not a URL)";
  }
}

/** Where the data lives, named as the operator configured it. */
export function describeTarget(target: DatabaseTarget): string {
  if ("url" in target) return `DATABASE_URL=${maskUrl(target.url)}`;
  if ("dataDir" in target) return `the embedded database at ${target.dataDir}`;
  return "the in-memory database";
}

/**
 * The database's own words first: the message of each underlying error (AggregateError from a
 * multi-address connect included) and its code, e.g. `connect ECONNREFUSED 127.0.0.1:5432`.
 */
export function errorReason(error: unknown): string {
  const parts: string[] = [];
  const visit = (e: unknown, depth: number) => {
    if (depth > 3 || !(e instanceof Error)) return;
    if (e instanceof AggregateError && e.errors.length > 0) {
      for (const inner of e.errors) visit(inner, depth + 1);
    } else {
      const code = (e as { code?: unknown }).code;
      const text = e.message.trim().split("\n")[0] ?? "";
      const withCode =
        typeof code === "string" && code && !text.includes(code) ? `${text} (${code})` : text;
      if (withCode && !parts.includes(withCode)) parts.push(withCode);
    }
    visit(e.cause, depth + 1);
  };
  visit(error, 0);
  return parts.join("; ") || String(error);
}

/**
 * PostgreSQL: one connection and `SELECT 1` before the server says it is ready, so a wrong
 * DATABASE_URL stops start-up with a message that names it, instead of a 503 on every request.
 */
export async function checkDatabase(
  target: DatabaseTarget,
  { timeoutMs = 5_000 } = {},
): Promise<void> {
  if (!("url" in target)) return;
  const client = new pg.Client({
    connectionString: target.url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A connection that fails after connect (server restart) must not crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const reason = errorReason(error);
    throw new DatabaseUnavailableError(
      `Cannot reach the database at ${describeTarget(target)}: ${reason}`,
      reason,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
