/* eslint-disable no-restricted-properties -- a global setup hands its results to the workers through the environment */
/**
 * A Playwright global setup for apps tested against Authkit (`globalSetup:
 * require.resolve("@authkit/testing/global-setup")`, docs/testing.md):
 * - starts the run's mailbox (an SMTP server on AUTHKIT_SMTP_PORT, default any free port) and
 *   hands its folder to the `mailbox` fixture;
 * - with AUTHKIT_BASE_URL set, tests that server (configure its SMTP_URL to the mailbox's port);
 * - otherwise starts an Authkit server for the run, on the embedded default (a fresh database
 *   in a temp folder), from AUTHKIT_APP_DIR (default: the Authkit app of this workspace, found
 *   from the current folder), on AUTHKIT_PORT (default a random one), with an admin for the
 *   `admin` fixture. It must be built (`pnpm build`).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

import { startAuthkitServer } from "./authkit-server";
import { startMailSpool } from "./mail-spool";
import { AUTHKIT_ENV, envValue } from "./target";

const DEFAULT_ADMIN = { email: "admin@authkit.test", password: "admin password for the tests" };

/** The Authkit app (apps/web with a build) in the workspace around `from`. */
function findAuthkitApp(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, "apps", "web");
    if (existsSync(join(candidate, "dist", "server.js"))) return candidate;
    if (dirname(dir) === dir)
      throw new Error(
        "@authkit/testing: no built Authkit app found (apps/web/dist/server.js): run `pnpm build`, set AUTHKIT_APP_DIR, or set AUTHKIT_BASE_URL to a running server",
      );
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), "authkit-testing-"));
  const spool = await startMailSpool({
    port: Number(envValue("AUTHKIT_SMTP_PORT") ?? 0),
    dir: join(dataDir, "mail"),
  });
  process.env[AUTHKIT_ENV.mailboxDir] = spool.dir;
  let stopServer = (): Promise<void> => Promise.resolve();
  if (!envValue(AUTHKIT_ENV.baseURL)) {
    const admin = {
      email: envValue(AUTHKIT_ENV.adminEmail) ?? DEFAULT_ADMIN.email,
      password: envValue(AUTHKIT_ENV.adminPassword) ?? DEFAULT_ADMIN.password,
    };
    const server = await startAuthkitServer({
      appDir: envValue("AUTHKIT_APP_DIR") ?? findAuthkitApp(process.cwd()),
      port: Number(envValue("AUTHKIT_PORT") ?? 20_000 + Math.floor(Math.random() * 20_000)),
      dataDir: join(dataDir, "db"),
      env: {
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        SMTP_URL: spool.smtpUrl,
        MAIL_FROM: "Authkit <auth@authkit.test>",
        // Every test browser comes from 127.0.0.1: limits sized for one person would throttle.
        RATE_LIMIT_REGISTER_IP: "1000/1m",
        RATE_LIMIT_REFRESH_IP: "5000/1m",
        RATE_LIMIT_LOGIN_IP: "1000/1m",
        // /login asks for a WebAuthn challenge per visit (passkey autofill).
        RATE_LIMIT_PASSKEY_OPTIONS_IP: "5000/1m",
        REDIS_URL: "",
        UPSTASH_REDIS_REST_URL: "",
        UPSTASH_REDIS_REST_TOKEN: "",
      },
    });
    process.env[AUTHKIT_ENV.baseURL] = server.url;
    process.env[AUTHKIT_ENV.adminEmail] = admin.email;
    process.env[AUTHKIT_ENV.adminPassword] = admin.password;
    stopServer = () => server.stop();
  }
  return async () => {
    await stopServer();
    await spool.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
