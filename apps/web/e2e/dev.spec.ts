/**
 * `pnpm dev` as a developer meets it: opened as http://127.0.0.1:PORT (not localhost), the page
 * hydrates, Next's hot-reload socket is let through, signing in works, live session events run
 * over the server's own WebSocket beside it (LIVE_TRANSPORT=ws), and the run leaves no tracked
 * file changed.
 */
/* eslint-disable no-restricted-properties -- the dev server is a child process with its own env */
import { execFileSync } from "node:child_process";

import { expect, test } from "./fixtures";
import { startOwnServer, WEB } from "./own-server";

const gitStatus = () =>
  execFileSync("git", ["status", "--porcelain", "--untracked-files=all", "."], {
    cwd: WEB,
    encoding: "utf8",
  });

test("pnpm dev works at 127.0.0.1 and rewrites no tracked file", async ({ browser }) => {
  // Compiling each route on first request takes a while on a loaded two-core machine.
  test.setTimeout(300_000);
  const before = gitStatus();
  const server = startOwnServer(["--import", "tsx", "server.ts", "--dev"], ({ port, dataDir }) => ({
    ...process.env,
    // The embedded default: no Redis from the shell that runs the tests (empty means unset).
    REDIS_URL: "",
    UPSTASH_REDIS_REST_URL: "",
    UPSTASH_REDIS_REST_TOKEN: "",
    NODE_ENV: "development",
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: "warn",
    PORT: String(port),
    DATA_DIR: dataDir,
    LIVE_TRANSPORT: "ws",
  }));
  const base = `http://127.0.0.1:${server.port}`;
  try {
    await server.answering("127.0.0.1", 180_000);

    const context = await browser.newContext({ baseURL: base });
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on("websocket", (socket) => sockets.push(socket.url()));
    const email = `dev-${server.port}@e2e.test`;
    const password = "correct horse battery staple";
    const registered = await context.request.post("/api/trpc/auth.register", {
      data: { email, password },
    });
    expect(registered.ok()).toBe(true);

    await page.goto("/login", { timeout: 120_000 });
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Hydrated and signed in through tRPC: not stuck on "Checking your session…".
    await expect(page.getByTestId("user-email")).toHaveText(email, { timeout: 120_000 });
    await expect.poll(() => sockets.some((url) => url.includes("/_next/"))).toBe(true);
    // Both kinds of upgrade on one server: Next's hot reload and the live session socket.
    await expect(page.locator("html")).toHaveAttribute("data-session-transport", "ws", {
      timeout: 60_000,
    });
    expect(sockets.some((url) => new URL(url).pathname === "/api/trpc")).toBe(true);
    expect(server.output()).not.toContain("Blocked cross-origin request");
    await context.close();
  } finally {
    await server.stop();
  }
  expect(gitStatus(), "files a dev run changed").toBe(before);
});
