/* eslint-disable no-restricted-properties -- test tooling reads its own knobs */

/** The PostgreSQL server tests create their throw-away databases on. */
export const POSTGRES_ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
/**
 * The shared Redis the integration suites use. Not `REDIS_URL`: that variable configures the
 * app itself, and a test server must never pick it up from the shell that runs the tests.
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const IN_CI = process.env.CI === "true" || process.env.CI === "1";
