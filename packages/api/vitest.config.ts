import { defineConfig } from "vitest/config";

/**
 * The limits are backstops against a hang, not measurements: the suites start real servers,
 * databases and child processes, hash with argon2, and must pass side by side on a busy
 * two-core machine. Every wait inside a test ends on a condition.
 */
export default defineConfig({
  test: { testTimeout: 600_000, hookTimeout: 600_000, globalSetup: ["test/global-setup.ts"] },
});
