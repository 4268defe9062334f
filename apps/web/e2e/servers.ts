/* eslint-disable no-restricted-properties -- the test runner is configured from its environment */
/**
 * The test servers of this app's e2e run, each the real production server (`dist/server.js`)
 * over a fresh embedded database: `app` (default settings, mail to the run's mailbox),
 * `short-ttl` (access tokens live 3 s, no clock leeway) and `ws` (live streams over WebSocket).
 * Each project names the one it needs (`metadata.server`); the global setup starts only those
 * of the projects a run selected.
 *
 * Ports: E2E_PORT (default random) for `app`, +1 `short-ttl`, +2 `ws`, +3 the mailbox's SMTP,
 * +4 the start that makes the database template when the migrations changed.
 * The config is evaluated again in every worker: the port is chosen once, in the runner, and
 * handed down through the environment.
 */
import { E2E_ADMIN, E2E_SECRET } from "./env";

process.env.E2E_PORT ??= String(20_000 + Math.floor(Math.random() * 20_000));
export const E2E_PORT = Number(process.env.E2E_PORT);
export const SMTP_PORT = E2E_PORT + 3;
/** Where a first start makes the migrated database template (./global-setup.ts). */
export const TEMPLATE_PORT = E2E_PORT + 4;

export type ServerName = "app" | "short-ttl" | "ws";

export const SERVERS: Record<ServerName, { port: number; env: Record<string, string> }> = {
  app: {
    port: E2E_PORT,
    env: { SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`, MAIL_FROM: "Authkit <auth@e2e.test>" },
  },
  "short-ttl": { port: E2E_PORT + 1, env: { ACCESS_TOKEN_TTL: "3s", CLOCK_TOLERANCE: "0s" } },
  ws: { port: E2E_PORT + 2, env: { LIVE_TRANSPORT: "ws" } },
};

/** What every test server shares. */
export const COMMON_ENV: Record<string, string> = {
  AUTH_SECRET: E2E_SECRET,
  ADMIN_EMAIL: E2E_ADMIN.email,
  ADMIN_PASSWORD: E2E_ADMIN.password,
  // Every test browser comes from 127.0.0.1: per-IP limits sized for one person would throttle
  // the suite. The per-account login limit stays as shipped.
  RATE_LIMIT_REGISTER_IP: "1000/1m",
  RATE_LIMIT_REFRESH_IP: "5000/1m",
  RATE_LIMIT_LOGIN_IP: "1000/1m",
  // /login asks for a WebAuthn challenge per visit (passkey autofill).
  RATE_LIMIT_PASSKEY_OPTIONS_IP: "5000/1m",
  // A Redis configured in the shell that runs the tests must not become these servers' store
  // (empty means unset).
  REDIS_URL: "",
  UPSTASH_REDIS_REST_URL: "",
  UPSTASH_REDIS_REST_TOKEN: "",
};

export const baseURL = (name: ServerName) => `http://localhost:${SERVERS[name].port}`;
