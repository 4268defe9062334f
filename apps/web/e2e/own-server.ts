/**
 * A server a spec starts itself (`pnpm dev`, or the compiled server as `pnpm start` runs it), on a
 * port and data directory of its own, with its output kept for the failure message.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "./fixtures";

export const WEB = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface OwnServer {
  port: number;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once `/api/trpc/health` answers 200; fails as soon as the process exits. */
  answering(host: string, timeout: number): Promise<void>;
  /** Ends the process and removes its data directory. */
  stop(): Promise<void>;
}

export function startOwnServer(
  args: string[],
  env: (settings: { port: number; dataDir: string }) => NodeJS.ProcessEnv,
): OwnServer {
  const port = 40_000 + Math.floor(Math.random() * 20_000);
  const dataDir = mkdtempSync(join(tmpdir(), "authkit-own-"));
  const chunks: string[] = [];
  const server = spawn(process.execPath, args, {
    cwd: WEB,
    env: env({ port, dataDir }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const output = () => chunks.join("");
  return {
    port,
    output,
    answering: (host, timeout) =>
      expect
        .poll(
          async () => {
            expect(server.exitCode, output()).toBeNull();
            return fetch(`http://${host}:${port}/api/trpc/health`).then(
              (r) => r.status,
              () => 0,
            );
          },
          { timeout, message: "the server answers" },
        )
        .toBe(200),
    async stop() {
      server.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
