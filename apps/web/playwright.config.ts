import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { defineConfig } from "@playwright/test";

import { PRODUCTION_ENV, PRODUCTION_NODE_ARGS } from "@authkit/build/production";

import { chromiumPath, E2E_ADMIN, E2E_SECRET } from "./e2e/env";

/**
 * Three servers, each the real production server (`dist/server.js`: tRPC node adapter + Next)
 * over a fresh embedded database: one with the default settings, one whose access tokens live
 * 3 s (and no clock leeway) for the expiry tests, one with live streams over WebSocket
 * (LIVE_TRANSPORT=ws).
 *
 * The config is evaluated again in every worker process: ports and data directories are chosen
 * once, in the runner, and handed down through the environment.
 */
process.env.E2E_PORT ??= String(20_000 + Math.floor(Math.random() * 20_000));
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "authkit-e2e-"));
const port = Number(process.env.E2E_PORT);
const shortPort = port + 1;
const wsPort = port + 2;
// The SMTP receiver of recovery.spec.ts listens here; the app server sends every mail to it.
process.env.E2E_SMTP_PORT ??= String(port + 3);
const smtpPort = Number(process.env.E2E_SMTP_PORT);
const dataDir = process.env.E2E_DATA_DIR;

const browser = chromiumPath();
const CI = process.env.CI === "true" || process.env.CI === "1";

function server(name: string, serverPort: number, env: Record<string, string>) {
  return {
    name,
    // The compiled server, as `pnpm start` runs it (e2e/ensure-build.mjs builds it first).
    command: ["node", ...PRODUCTION_NODE_ARGS, "dist/server.js"].join(" "),
    url: `http://localhost:${serverPort}/api/trpc/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    env: {
      ...PRODUCTION_ENV,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
      PORT: String(serverPort),
      DATA_DIR: join(dataDir, name),
      AUTH_SECRET: E2E_SECRET,
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
      // Every test browser comes from 127.0.0.1: per-IP limits sized for one person would
      // throttle the suite. The per-account login limit stays as shipped.
      RATE_LIMIT_REGISTER_IP: "1000/1m",
      RATE_LIMIT_REFRESH_IP: "5000/1m",
      RATE_LIMIT_LOGIN_IP: "1000/1m",
      ...env,
    },
  };
}

export default defineConfig({
  testDir: "./e2e",
  globalTeardown: "./e2e/global-teardown.ts",
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
      testIgnore: /(expiry|dev|start|live-ws)\.spec\.ts/,
      use: { baseURL: `http://localhost:${port}` },
    },
    {
      name: "short-ttl",
      testMatch: /expiry\.spec\.ts/,
      use: { baseURL: `http://localhost:${shortPort}` },
    },
    {
      name: "ws",
      testMatch: /live-ws\.spec\.ts/,
      use: { baseURL: `http://localhost:${wsPort}` },
    },
    // `pnpm dev`, started by the test itself (it needs no production build).
    { name: "dev", testMatch: /dev\.spec\.ts/ },
    // The README's `pnpm start` on a new machine, started by the test itself from the build.
    { name: "start", testMatch: /start\.spec\.ts/ },
  ],
  // Without a browser there is nothing to serve (the fixtures skip every test, see e2e/env.ts).
  webServer: browser
    ? [
        server("app", port, {
          SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
          MAIL_FROM: "Authkit <auth@e2e.test>",
        }),
        server("short-ttl", shortPort, { ACCESS_TOKEN_TTL: "3s", CLOCK_TOLERANCE: "0s" }),
        server("ws", wsPort, { LIVE_TRANSPORT: "ws" }),
      ]
    : [],
});
