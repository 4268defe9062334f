/**
 * What an operator sees when start-up goes wrong: a configuration error is a clean list on
 * stderr, an unreachable database is named by its variable (password masked) with the cause,
 * and the process exits 1 without a stack trace. Run against the compiled server, as production
 * runs it, and through the start-up function itself.
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";

import { describe, expect, it } from "vitest";

import { startApp, StartupError } from "../src/startup";

import { runServerToExit } from "./server-process";

/** A loopback port nothing listens on (asked of the kernel, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const STACK_FRAME = /^\s+at /m;

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe("start-up errors", () => {
  it("lists every configuration problem on stderr, without a stack, and exits 1", async () => {
    const result = await runServerToExit({
      AUTH_SECRET: "too-short",
      PORT: "not-a-port",
      RATE_LIMIT_LOGIN_IP: "lots",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines[0]).toBe("Invalid configuration:");
    expect(lines.slice(1).every((line) => line.startsWith("  - "))).toBe(true);
    expect(result.stderr).toMatch(/^ {2}- AUTH_SECRET: must be at least 32 characters/m);
    expect(result.stderr).toMatch(/^ {2}- PORT: /m);
    expect(result.stderr).toMatch(/^ {2}- RATE_LIMIT_LOGIN_IP: expected <count>\/<window>/m);
    expect(result.stderr).not.toContain("too-short");
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it("names an unreachable DATABASE_URL with the password masked and the cause, and exits 1", async () => {
    const port = await closedPort();
    const result = await runServerToExit({
      DATABASE_URL: `postgresql://authkit:hunter2-secret@127.0.0.1:${port}/app`,
      LOG_FORMAT: "json",
    });
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).not.toContain("hunter2-secret");
    expect(output).not.toMatch(STACK_FRAME);
    const fatal = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: number; msg: string; variable?: string })
      .find((line) => line.level === 60);
    expect(fatal).toBeDefined();
    expect(fatal!.variable).toBe("DATABASE_URL");
    expect(fatal!.msg).toContain(
      `Cannot reach the database at DATABASE_URL=postgresql://authkit:****@127.0.0.1:${port}/app`,
    );
    expect(fatal!.msg).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  });

  it("logs the development-secret warning through the logger, pretty when asked", async () => {
    const port = await closedPort();
    const out = collect();
    const failure = await startApp(
      {
        NODE_ENV: "development",
        DATA_DIR: mkdtempSync(join(tmpdir(), "authkit-startup-")),
        DATABASE_URL: `postgresql://authkit:hunter2-secret@127.0.0.1:${port}/app`,
        LOG_FORMAT: "pretty",
      },
      { destination: out.stream },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as StartupError).logged).toBe(true);
    const text = out.text();
    // pino-pretty's layout: "[time] LEVEL: message", not JSON.
    expect(text).not.toMatch(/^\{/m);
    expect(text).toMatch(/WARN: AUTH_SECRET is not set: generated a development secret in /);
    expect(text).toMatch(
      /FATAL: Cannot reach the database at DATABASE_URL=postgresql:\/\/authkit:\*{4}@/,
    );
    expect(text).not.toContain("hunter2-secret");
  });

  it("throws the configuration problems as one StartupError before logging anything", async () => {
    const out = collect();
    const failure = await startApp(
      { NODE_ENV: "production", ADMIN_EMAIL: "admin@example.com" },
      { destination: out.stream },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as StartupError).logged).toBe(false);
    expect((failure as StartupError).message).toBe(
      [
        "Invalid configuration:",
        "  - ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD must be set together",
        "  - AUTH_SECRET: required in production (or set AUTH_PRIVATE_KEY); generate one with `openssl rand -hex 32`",
      ].join("\n"),
    );
    expect(out.text()).toBe("");
  });
});
