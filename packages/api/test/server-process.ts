/**
 * The compiled standalone API server (dist/server.js, what production runs) as a child process.
 * test/global-setup.ts builds it (and the packages it imports) before any suite runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

import { PRODUCTION_ENV, PRODUCTION_NODE_ARGS } from "@authkit/build/production";

import { TEST_SECRET } from "./harness";

export const REPO = fileURLToPath(new URL("../../..", import.meta.url));
export const SERVER = fileURLToPath(new URL("../dist/server.js", import.meta.url));
export const NODE_ARGS = [...PRODUCTION_NODE_ARGS, SERVER];

/** Only what a process needs to run, plus the test configuration: nothing leaks in. */
export function serverEnv(env: Record<string, string>): Record<string, string | undefined> {
  return {
    ...PRODUCTION_ENV,
    // eslint-disable-next-line no-restricted-properties -- the child's environment, not config
    PATH: process.env.PATH,
    // eslint-disable-next-line no-restricted-properties -- the child's environment, not config
    HOME: process.env.HOME,
    NODE_ENV: "test",
    PORT: "0",
    AUTH_SECRET: TEST_SECRET,
    APP_URL: "http://app.test",
    LOG_LEVEL: "warn",
    RATE_LIMIT_LOGIN_IP: "100000/1m",
    RATE_LIMIT_REFRESH_IP: "100000/1m",
    RATE_LIMIT_REGISTER_IP: "100000/1m",
    RATE_LIMIT_LIVE_IP: "100000/1m",
    RATE_LIMIT_LIVE_TICKET: "100000/1m",
    RATE_LIMIT_PASSKEY_OPTIONS_IP: "100000/1m",
    ...env,
  };
}

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts one API process on a port of its own choosing and waits until it listens. */
export function startServerProcess(
  env: Record<string, string>,
  { timeoutMs = 300_000 } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, NODE_ARGS, {
    cwd: REPO,
    env: serverEnv(env),
    // The server reports its address over the IPC channel, whatever LOG_LEVEL says.
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      void stop();
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on("message", (message: { listening?: string }) => {
      if (!message.listening) return;
      clearTimeout(timeout);
      child.disconnect();
      resolve({ url: message.listening, process: child, output: () => output, stop });
    });
    child.once("exit", (code) => {
      clearTimeout(timeout);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

/** Runs the server to its exit (start-up failures): exit code and what it printed. */
export function runServerToExit(
  env: Record<string, string>,
  { timeoutMs = 300_000 } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, NODE_ARGS, {
    cwd: REPO,
    env: serverEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server still running after ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timeout);
      resolve({ code, stdout, stderr });
    });
  });
}
