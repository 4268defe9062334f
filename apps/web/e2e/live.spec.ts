/**
 * Live sessions: a signed-in browser keeps one `session.events` stream (opened with a single-use
 * ticket from `auth.ticket`) and leaves for /login the moment its session is revoked anywhere,
 * without the user doing anything.
 *
 * What is asserted is the order and the cause: the tab signs out (its stream goes `off`), then
 * lands on /login saying why. How long that took is measured and reported as an annotation
 * (`revocation latency`), never asserted: on a loaded machine the server's render of /login alone
 * can take seconds, and speed belongs to `pnpm bench`. The waits end on conditions; their only
 * limit is the test's own timeout.
 */
import type { Request } from "@playwright/test";

import {
  expect,
  expectNoUnretriedFailures,
  leavesForLogin,
  reportLatency,
  sessionEventsLive,
  signedInContext,
  signIn,
  test,
  UNTIL_DONE,
  watchApi,
  watchSignOut,
} from "./fixtures";

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

test("sign out everywhere signs every tab of another browser out, saying why", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}, testInfo) => {
  const other = await signedInContext(browser, baseURL!, user);
  const secondTab = await other.page.context().newPage();
  await secondTab.goto("/sessions");
  await expect(secondTab.getByRole("heading", { name: "Sessions" })).toBeVisible();
  // One stream per browser: one tab holds it, the other stands by.
  await sessionEventsLive(other.page);
  await expect(secondTab.locator("html")).toHaveAttribute("data-session-events", "standby");
  await Promise.all([watchSignOut(other.page), watchSignOut(secondTab)]);

  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  const done = page.waitForResponse((r) => r.url().includes("auth.logoutAll"));
  await page.getByRole("button", { name: "Yes, sign out everywhere" }).click();
  expect((await done).ok()).toBe(true);
  const answered = Date.now();

  const [holder, standby] = await Promise.all([
    leavesForLogin(other.page, "You signed out everywhere.", answered),
    leavesForLogin(secondTab, "You signed out everywhere.", answered),
  ]);
  reportLatency(testInfo, "tab holding the stream", holder);
  reportLatency(testInfo, "tab on standby", standby);
  await expect(secondTab).toHaveURL(/\/login\?next=%2Fsessions/);
  await expect(page).toHaveURL("/login");
  await other.page.context().close();
});

test("revoking a session on /sessions signs that browser out", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}, testInfo) => {
  const laptop = await signedInContext(browser, baseURL!, user);
  await sessionEventsLive(laptop.page);
  await watchSignOut(laptop.page);

  await page.getByRole("link", { name: "Sessions" }).click();
  const list = page.getByRole("list", { name: "Active sessions" });
  await expect(list.getByRole("listitem")).toHaveCount(2);
  const answer = page.waitForResponse((r) => r.url().includes("session.revoke"));
  await list
    .getByRole("listitem")
    .filter({ hasNotText: "This device" })
    .getByRole("button", { name: /^Revoke/ })
    .click();
  expect((await answer).ok()).toBe(true);
  const revoked = Date.now();
  await expect(page.getByText("Session revoked")).toBeVisible();

  reportLatency(
    testInfo,
    "revoked browser",
    await leavesForLogin(laptop.page, "You were signed out on another device.", revoked),
  );
  // This browser stays, still live.
  await expect(page).toHaveURL("/sessions");
  await sessionEventsLive(page);
  await laptop.page.context().close();
});

test("the access token never appears in a URL; the stream carries only a ticket", async ({
  page,
  user,
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
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
  await sessionEventsLive(page);
  await page.getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByRole("list", { name: "Active sessions" })).toBeVisible();
  await page.getByRole("link", { name: "Account" }).click();
  // The click navigates on the client: reload only once it has arrived, or /sessions reloads.
  await expect(page).toHaveURL("/");
  await page.reload();
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
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
  const asAdmin = api.as(admin);
  const setRole = (role: "user" | "admin") =>
    asAdmin.admin.setRole.mutate({ userId: user.id, role });

  // Promoted: the tab takes its new role at once, without a click, and stays where it is.
  await setRole("admin");
  await expect(page.getByRole("link", { name: "Admin" })).toBeVisible(UNTIL_DONE);
  await expect(page).toHaveURL("/");
  await sessionEventsLive(page); // reconnected with a fresh ticket
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();

  // Demoted: still signed in, just without the admin page.
  await setRole("user");
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0, UNTIL_DONE);
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
  user,
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
  await signIn(page, user);
  await sessionEventsLive(page);
  expect(streams).toHaveLength(2);
  expect(new Set(streams).size).toBe(2);

  await watchSignOut(page);
  // As the test's user: the api fixture signs in with the user's credentials (the page was
  // signed in by hand, so it is not the api's page).
  await api.auth.logoutAll.mutate();
  await leavesForLogin(page, "You signed out everywhere.", Date.now());
  await calls.settle();
  expect(calls.calls.filter((c) => c.path === "auth.ticket").map((c) => c.status)).toEqual([
    200, 200,
  ]);
});
