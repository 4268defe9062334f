import { defineConfig } from "@playwright/test";

import { extractDocSpecs } from "./e2e/doc-specs";
import { chromiumPath } from "./e2e/env";
import { baseURL } from "./e2e/servers";

/**
 * Projects, each against the server it names in `metadata.server` (./e2e/servers.ts). The
 * global setup builds the app when the build is older than its sources, then starts only the
 * servers of the projects the run selected (one spec of `app`: one server), and the mailbox.
 * Knobs: E2E_PORT, CHROMIUM_PATH, CI (e2e/README.md). e2e/rebuild.spec.ts has a config of its
 * own (playwright.rebuild.config.ts): it rebuilds the app, so it never runs beside these servers.
 */
const browser = chromiumPath();
const CI = process.env.CI === "true" || process.env.CI === "1";

// docs/testing.md's runnable examples, as spec files of the `docs` project (in the runner
// only: the workers find them written).
if (process.env.TEST_WORKER_INDEX === undefined) extractDocSpecs();

export default defineConfig({
  testDir: "./e2e",
  globalSetup: "./e2e/global-setup.ts",
  outputDir: "./test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: CI,
  reporter: CI
    ? [["list"]]
    : [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    browserName: "chromium",
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: browser ?? undefined,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    {
      name: "app",
      testIgnore: /(expiry|dev|start|live-ws|rebuild)\.spec\.ts/,
      metadata: { server: "app" },
      use: { baseURL: baseURL("app") },
    },
    {
      name: "short-ttl",
      testMatch: /expiry\.spec\.ts/,
      metadata: { server: "short-ttl" },
      use: { baseURL: baseURL("short-ttl") },
    },
    {
      name: "ws",
      testMatch: /live-ws\.spec\.ts/,
      metadata: { server: "ws" },
      use: { baseURL: baseURL("ws") },
    },
    // docs/testing.md's examples, against the `app` server as a reader's app would be.
    {
      name: "docs",
      testDir: "./e2e-docs",
      metadata: { server: "app" },
      use: { baseURL: baseURL("app") },
    },
    // `pnpm dev`, started by the test itself (it needs no production build).
    { name: "dev", testMatch: /dev\.spec\.ts/ },
    // The README's `pnpm start` on a new machine, started by the test itself from the build.
    { name: "start", testMatch: /start\.spec\.ts/ },
  ],
});
