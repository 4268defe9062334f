/* eslint-disable no-restricted-properties -- the test runner is configured from its environment */
import { existsSync } from "node:fs";

/** A fixed HS256 secret for the test servers (64 hex characters, 256 bits). */
export const E2E_SECRET = "3f8a1c6e9b2d5f7a0c4e8b1d6f9a2c5e7b0d3f6a9c1e4b7d0a2f5c8e1b4d7a9c";

/** The admin the test servers create at start-up (ADMIN_EMAIL / ADMIN_PASSWORD). */
export const E2E_ADMIN = { email: "admin@e2e.test", password: "admin password for e2e" };

let warned = false;

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/**
 * Debian's Chromium (Playwright cannot download its own here). Missing under CI=true: fail
 * loudly. Missing on a developer machine: every test is skipped with a message saying why.
 */
export function chromiumPath(): string | null {
  const found = CANDIDATES.find((path): path is string => !!path && existsSync(path)) ?? null;
  if (found) return found;
  const message =
    "Chromium not found at /usr/bin/chromium: install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH).";
  if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`E2E: ${message}`);
  if (!warned)
    console.warn(`\n${"!".repeat(100)}\n!! E2E TESTS SKIPPED. ${message}\n${"!".repeat(100)}\n`);
  warned = true;
  return null;
}
