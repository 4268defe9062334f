/**
 * Runs against the server whose access tokens live 3 s (no clock leeway): every few seconds
 * the client must refresh, across tabs, without the user ever noticing.
 */
import type { Page } from "@playwright/test";

import {
  createUser,
  errorAlerts,
  expect,
  expectNoUnretriedFailures,
  signIn,
  test,
  watchApi,
} from "./fixtures";

const TOKEN_TTL_MS = 3_000;

/**
 * Clicks between two pages that both call protected procedures for at least `ms`, checking
 * each step; returns how long it really took (a loaded machine makes steps slower).
 */
async function useTheApp(page: Page, ms: number): Promise<number> {
  const start = Date.now();
  const until = start + ms;
  while (Date.now() < until) {
    await page.getByRole("link", { name: "Sessions" }).click();
    await expect(page.getByRole("list", { name: "Active sessions" })).toBeVisible();
    await page.getByRole("link", { name: "Account" }).click();
    await expect(page.getByTestId("user-email")).toBeVisible();
    await expect(errorAlerts(page)).toHaveCount(0);
  }
  expect(new URL(page.url()).pathname).toBe("/");
  return Date.now() - start;
}

/** Refreshes expected in `elapsed` ms: one per ~3/4 lifetime; twice that would be a storm. */
function expectRefreshRate(count: number, elapsed: number): void {
  expect(count, "too few refreshes to have stayed signed in").toBeGreaterThanOrEqual(
    Math.floor(elapsed / TOKEN_TTL_MS),
  );
  expect(count, "more refreshes than one per lifetime").toBeLessThanOrEqual(
    Math.ceil(elapsed / (TOKEN_TTL_MS * 0.75)) + 1,
  );
}

function countRefreshes(page: Page): { count: number } {
  const counter = { count: 0 };
  page.on("request", (request) => {
    if (request.url().includes("/api/trpc/auth.refresh")) counter.count++;
  });
  return counter;
}

test("keeps working across several token lifetimes with no visible error", async ({
  signedInPage: { page },
}) => {
  const calls = watchApi(page);
  const refreshes = countRefreshes(page);
  const elapsed = await useTheApp(page, 12_000);
  await calls.settle();
  expectNoUnretriedFailures(calls.calls);
  expect(calls.calls.filter((c) => c.path === "session.list").length).toBeGreaterThan(5);
  expectRefreshRate(refreshes.count, elapsed);
});

test("two tabs share one refresh per lifetime, never trip reuse detection, and sign out together", async ({
  signedInPage: { page, user },
}) => {
  const second = await page.context().newPage();
  const tabs = [page, second];
  const watches = tabs.map(watchApi);
  const refreshes = tabs.map(countRefreshes);
  await second.goto("/");
  await expect(second.getByTestId("user-email")).toHaveText(user.email);
  // The new tab took the open tab's token instead of rotating the cookie (unless that token
  // was about to expire at that very moment).
  expect(refreshes[1]!.count).toBeLessThanOrEqual(1);

  const elapsed = Math.max(...(await Promise.all(tabs.map((tab) => useTheApp(tab, 10_000)))));

  for (const watch of watches) {
    await watch.settle();
    expectNoUnretriedFailures(watch.calls);
  }
  // The tabs take turns and share the result: about one refresh per lifetime in total, not one
  // per tab.
  expectRefreshRate(
    refreshes.reduce((sum, r) => sum + r.count, 0),
    elapsed,
  );

  // The session survived every rotation: a reload restores it from the cookie.
  await second.reload();
  await expect(second.getByTestId("user-email")).toHaveText(user.email);

  // Signing out in one tab signs the other out without it doing anything.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/login");
  await expect(second).toHaveURL("/login");
  await second.reload();
  await expect(second).toHaveURL("/login");
});

test("a device clock hours off changes nothing", async ({ browser, baseURL, api }) => {
  const user = await createUser(api);
  const run = async (offsetMs: number) => {
    const context = await browser.newContext({ baseURL });
    // The page's clock is off by hours while its timers still run in real time.
    await context.clock.install({ time: Date.now() + offsetMs });
    const page = await context.newPage();
    const calls = watchApi(page);
    const refreshes = countRefreshes(page);
    await signIn(page, user);
    const elapsed = await useTheApp(page, 8_000);
    await calls.settle();
    // A client comparing `exp` with a clock 2 h ahead would refresh on every call; 2 h behind,
    // never (and collect 401s). Scheduling from `expiresIn` refreshes on time either way.
    expectNoUnretriedFailures(calls.calls);
    expectRefreshRate(refreshes.count, elapsed);
    await context.close();
  };
  await Promise.all([run(2 * 3600_000), run(-2 * 3600_000)]);
});
