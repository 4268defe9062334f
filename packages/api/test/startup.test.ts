/**
 * What an operator sees when start-up goes wrong: a configuration error is a clean list on
 * stderr, an unreachable database is named by its variable (password masked) with the cause,
 * and the process exits 1 without a stack trace. Run against the compiled server, as production
 * runs it, and through the start-up function itself.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
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
    const dataDir = mkdtempSync(join(tmpdir(), "authkit-startup-"));
    const out = collect();
    const failure = await startApp(
      { NODE_ENV: "development", DATA_DIR: dataDir, LOG_FORMAT: "pretty" },
      {
        destination: out.stream,
        // The embedded database fails to open (a full disk, say) once the secret is generated.
        open: () => Promise.reject(new Error("ENOSPC: no space left on device")),
      },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as StartupError).logged).toBe(true);
    const text = out.text();
    // pino-pretty's layout: "[time] LEVEL: message", not JSON.
    expect(text).not.toMatch(/^\{/m);
    expect(text).toMatch(/WARN: AUTH_SECRET is not set: generated a development secret in /);
    expect(text).toMatch(/FATAL: Start-up failed on the embedded database at .*: ENOSPC/);
    expect(text).not.toContain(readFileSync(join(dataDir, "auth-secret"), "utf8").trim());
  });

  // Issue 23, finding 12: a generated secret is one machine's; instances sharing a database
  // each signed with their own and refused the others' tokens.
  it("refuses DATABASE_URL without AUTH_SECRET, before touching the database, and exits 1", async () => {
    const port = await closedPort();
    const dataDir = mkdtempSync(join(tmpdir(), "authkit-startup-"));
    const result = await runServerToExit({
      NODE_ENV: "development",
      AUTH_SECRET: "",
      DATA_DIR: dataDir,
      DATABASE_URL: `postgresql://authkit:hunter2-secret@127.0.0.1:${port}/app`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Invalid configuration:\n {2}- AUTH_SECRET: required with DATABASE_URL/,
    );
    expect(result.stderr + result.stdout).not.toContain("hunter2-secret");
    expect(result.stdout).not.toMatch(/Cannot reach the database/);
    expect(existsSync(join(dataDir, "auth-secret"))).toBe(false);
  });

  // Issue 23, finding 1: a weak or published previous key verified tokens anyone could mint.
  it("refuses a weak or published AUTH_PREVIOUS_KEYS entry, naming it and never echoing it", async () => {
    const published = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
    const result = await runServerToExit({
      AUTH_PREVIOUS_KEYS: JSON.stringify(["a", published]),
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      "Invalid configuration:",
      expect.stringMatching(/^ {2}- AUTH_PREVIOUS_KEYS\[0\]: must be at least 32 characters/),
      expect.stringMatching(
        /^ {2}- AUTH_PREVIOUS_KEYS\[1\]: is the FastAPI tutorial's example key/,
      ),
    ]);
    expect(result.stderr).not.toContain(published);
    expect(result.stdout).toBe("");
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

  // Issue 23, finding 11: the admin bootstrap sets a password too, under the same policy.
  it("refuses a common ADMIN_PASSWORD, naming the variable, and exits 1", async () => {
    const result = await runServerToExit({
      ADMIN_EMAIL: "root@example.com",
      ADMIN_PASSWORD: "password123",
      LOG_FORMAT: "json",
      DATA_DIR: mkdtempSync(join(tmpdir(), "authkit-startup-")),
    });
    expect(result.code).toBe(1);
    const fatal = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: number; msg: string; variable?: string })
      .find((line) => line.level === 60);
    expect(fatal).toMatchObject({
      variable: "ADMIN_PASSWORD",
      msg: expect.stringMatching(
        /^Invalid configuration: ADMIN_PASSWORD: This password is too easy to guess/,
      ),
    });
    expect(result.stdout + result.stderr).not.toContain("password123");
    // A process that migrates a new embedded database first.
  }, 180_000);
});
