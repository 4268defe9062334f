/**
 * Live sessions: a signed-in browser keeps one `session.events` stream (opened with a single-use
 * ticket from `auth.ticket`) and leaves for /login the moment its session is revoked anywhere,
 * without the user doing anything.
 */
import type { Page, Request } from "@playwright/test";

import {
  expect,
  expectNoUnretriedFailures,
  sessionEventsLive,
  signedInContext,
  signIn,
  test,
  watchApi,
} from "./fixtures";

/** Revocations must land within this long (the server pushes them at once). */
const LIVE_MS = 2_000;

const isStream = (url: string) => new URL(url).pathname === "/api/trpc/session.events";

/** The ticket a `session.events` request carries in its input. */
function ticketOf(url: string): unknown {
  const input = new URL(url).searchParams.get("input");
  return input ? (JSON.parse(input) as { ticket?: unknown }).ticket : undefined;
}

/** Every value under `key` in a tRPC answer (single or batched). */
function valuesIn(body: unknown, key: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (k === key && typeof v === "string") found.push(v);
        else walk(v);
      }
    }
  };
  walk(body);
  return found;
}

async function leavesWithin(page: Page, message: string): Promise<void> {
  const started = Date.now();
  await expect(page).toHaveURL(/\/login/, { timeout: LIVE_MS });
  await expect(page.getByText(message)).toBeVisible({ timeout: LIVE_MS });
  expect(Date.now() - started).toBeLessThan(LIVE_MS);
}

test("sign out everywhere signs every tab of another browser out within 2 s, saying why", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}) => {
  const other = await signedInContext(browser, baseURL!, user);
  const secondTab = await other.page.context().newPage();
  await secondTab.goto("/sessions");
  await expect(secondTab.getByRole("heading", { name: "Sessions" })).toBeVisible();
  // One stream per browser: one tab holds it, the other stands by.
  await sessionEventsLive(other.page);
  await expect(secondTab.locator("html")).toHaveAttribute("data-session-events", "standby");

  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  const done = page.waitForResponse((r) => r.url().includes("auth.logoutAll"));
  await page.getByRole("button", { name: "Yes, sign out everywhere" }).click();
  expect((await done).ok()).toBe(true);

  await Promise.all([
    leavesWithin(other.page, "You signed out everywhere."),
    leavesWithin(secondTab, "You signed out everywhere."),
  ]);
  await expect(secondTab).toHaveURL(/\/login\?next=%2Fsessions/);
  await expect(page).toHaveURL("/login");
  await other.page.context().close();
});

test("revoking a session on /sessions signs that browser out within 2 s", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}) => {
  const laptop = await signedInContext(browser, baseURL!, user);
  await sessionEventsLive(laptop.page);

  await page.getByRole("link", { name: "Sessions" }).click();
  const list = page.getByRole("list", { name: "Active sessions" });
  await expect(list.getByRole("listitem")).toHaveCount(2);
  await list
    .getByRole("listitem")
    .filter({ hasNotText: "This device" })
    .getByRole("button", { name: /^Revoke/ })
    .click();
  await expect(page.getByText("Session revoked")).toBeVisible();

  await leavesWithin(laptop.page, "You were signed out on another device.");
  // This browser stays, still live.
  await expect(page).toHaveURL("/sessions");
  await sessionEventsLive(page);
  await laptop.page.context().close();
});

test("the access token never appears in a URL; the stream carries only a ticket", async ({
  page,
  newUser,
}) => {
  const requests: Request[] = [];
  const tokens = new Set<string>();
  const tickets = new Set<string>();
  page.on("request", (request) => requests.push(request));
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (!/auth\.(login|refresh|ticket)/.test(path)) return;
    void response.json().then(
      (body: unknown) => {
        for (const token of valuesIn(body, "accessToken")) tokens.add(token);
        for (const ticket of valuesIn(body, "ticket")) tickets.add(ticket);
      },
      () => undefined,
    );
  });

  // Log in through the form, move around, reload: every kind of request the app makes.
  await page.goto("/login");
  await page.getByLabel("Email").fill(newUser.email);
  await page.getByLabel("Password").fill(newUser.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-email")).toHaveText(newUser.email);
  await sessionEventsLive(page);
  await page.getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByRole("list", { name: "Active sessions" })).toBeVisible();
  await page.getByRole("link", { name: "Account" }).click();
  // The click navigates on the client: reload only once it has arrived, or /sessions reloads.
  await expect(page).toHaveURL("/");
  await page.reload();
  await expect(page.getByTestId("user-email")).toHaveText(newUser.email);
  await sessionEventsLive(page);

  await expect.poll(() => tokens.size).toBeGreaterThanOrEqual(2); // login, then the reload's refresh
  const urls = requests.map((r) => r.url());
  for (const url of urls) {
    for (const token of tokens) expect(url, "a URL holding the access token").not.toContain(token);
    expect(url).not.toMatch(/bearer|authorization/i);
  }

  // One stream per page load, each with its own ticket from auth.ticket, and nothing else.
  const streams = requests.filter((r) => isStream(r.url()));
  expect(streams).toHaveLength(2);
  await expect.poll(() => tickets.size).toBeGreaterThanOrEqual(2);
  const used = streams.map((r) => ticketOf(r.url()));
  expect(new Set(used).size).toBe(used.length);
  for (const request of streams) {
    expect(request.method()).toBe("GET");
    expect(Object.keys(request.headers())).not.toContain("authorization");
    const input = JSON.parse(new URL(request.url()).searchParams.get("input")!) as object;
    expect(Object.keys(input)).toEqual(["ticket"]);
    expect([...tickets]).toContain(ticketOf(request.url()));
  }
});

test("a role change keeps the user's tab signed in: a silent refresh, no redirect", async ({
  api,
  admin,
  signedInPage: { page, user },
}) => {
  const calls = watchApi(page);
  await sessionEventsLive(page);
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  const { accessToken } = await api.login(admin);
  const setRole = (role: "user" | "admin") =>
    api.call("mutation", "admin.setRole", { userId: user.id, role }, accessToken);

  // Promoted: the tab takes its new role at once, without a click, and stays where it is.
  await setRole("admin");
  await expect(page.getByRole("link", { name: "Admin" })).toBeVisible({ timeout: LIVE_MS });
  await expect(page).toHaveURL("/");
  await sessionEventsLive(page); // reconnected with a fresh ticket
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();

  // Demoted: still signed in, just without the admin page.
  await setRole("user");
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0, { timeout: LIVE_MS });
  await expect(page).toHaveURL("/admin");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await sessionEventsLive(page);
  await page.getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByRole("list", { name: "Active sessions" })).toBeVisible();

  await calls.settle();
  // The demoted user's admin page asked again and was refused (403): that is the point.
  const refused = (c: { path: string; status: number }) =>
    c.path === "admin.users" && c.status === 403;
  expect(calls.calls.filter(refused)).toHaveLength(1);
  expectNoUnretriedFailures(calls.calls.filter((c) => !refused(c)));
  // One silent refresh per role change, no more.
  expect(calls.calls.filter((c) => c.path === "auth.refresh")).toHaveLength(2);
});

test("a dropped stream comes back with a fresh ticket, and still delivers", async ({
  page,
  api,
  newUser,
}) => {
  let dropped = 0;
  await page.route(
    (url) => isStream(url.href),
    (route) => (dropped++ < 1 ? route.abort("connectionreset") : route.continue()),
  );
  const streams: string[] = [];
  page.on("request", (request) => {
    if (isStream(request.url())) streams.push(String(ticketOf(request.url())));
  });
  const calls = watchApi(page);
  await signIn(page, newUser);
  await sessionEventsLive(page);
  expect(streams).toHaveLength(2);
  expect(new Set(streams).size).toBe(2);

  const { accessToken } = await api.login(newUser);
  await api.call("mutation", "auth.logoutAll", undefined, accessToken);
  await leavesWithin(page, "You signed out everywhere.");
  await calls.settle();
  expect(calls.calls.filter((c) => c.path === "auth.ticket").map((c) => c.status)).toEqual([
    200, 200,
  ]);
});
