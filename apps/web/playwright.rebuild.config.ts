import { defineConfig } from "@playwright/test";

import base from "./playwright.config";

/**
 * e2e/rebuild.spec.ts alone: it changes a page and runs the README's single-spec command, which
 * rebuilds the app. No servers of its own (the command it runs starts them), and never in the
 * same run as the other projects, whose servers serve the build it replaces.
 */
export default defineConfig({
  ...base,
  globalSetup: undefined,
  workers: 1,
  projects: [{ name: "rebuild", testMatch: /rebuild\.spec\.ts/ }],
});
