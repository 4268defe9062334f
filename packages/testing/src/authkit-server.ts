/**
 * An Authkit server for a test run: the compiled production server (`dist/server.js` of the
 * Authkit app, as `pnpm start` runs it) over a fresh embedded database, answering once its
 * health check does.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

import { PRODUCTION_ENV, PRODUCTION_NODE_ARGS } from "@authkit/build/production";

export interface AuthkitServerOptions {
  /** The Authkit app's folder (holds dist/server.js and .next). */
  appDir: string;
  port: number;
  /** The embedded database's folder (DATA_DIR). */
  dataDir: string;
  /** Settings (docs/configuration.md) on top of the production defaults. */
  env: Record<string, string>;
  /** Longest wait for the first health answer (a first start runs the migrations). */
  timeoutMs?: number;
}

export interface AuthkitServer {
  url: string;
  /** What the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/api/trpc/health`)).ok;
  } catch {
    return false;
  }
}

export async function startAuthkitServer(options: AuthkitServerOptions): Promise<AuthkitServer> {
  const { appDir, port, dataDir, env, timeoutMs = 180_000 } = options;
  const url = `http://localhost:${port}`;
  const chunks: string[] = [];
  const child = spawn(process.execPath, [...PRODUCTION_NODE_ARGS, join(appDir, "dist/server.js")], {
    cwd: appDir,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      // eslint-disable-next-line no-restricted-properties -- the child inherits PATH and friends
      ...process.env,
      ...PRODUCTION_ENV,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
      PORT: String(port),
      DATA_DIR: dataDir,
      ...env,
    },
  });
  child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const output = () => chunks.join("");
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(url))) {
    if (child.exitCode !== null)
      throw new Error(`the Authkit server on ${port} exited with ${child.exitCode}:\n${output()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `the Authkit server on ${port} did not answer in ${timeoutMs} ms:\n${output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, output, stop };
}
