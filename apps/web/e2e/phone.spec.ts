/**
 * At 375 px (a small phone) no page is wider than the screen, even for an account whose email
 * and name are as long as the server allows and have nowhere to break.
 */
import { randomUUID } from "node:crypto";

import type { Page } from "@playwright/test";

import { createUser, expect, findUser, signIn, test } from "./fixtures";

const PHONE = { width: 375, height: 812 };

test.use({ viewport: PHONE });

/** A valid email near the limits (64-character local part, long labels), with no break points. */
function longEmail(): string {
  const local = `${randomUUID().replaceAll("-", "")}${"x".repeat(32)}`;
  return `${local}@${"a".repeat(60)}.${"b".repeat(60)}.e2e.test`;
}
const LONG_NAME = "W".repeat(100);

async function expectFits(page: Page, what: string): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${what} is ${width}px wide on a ${PHONE.width}px screen`).toBeLessThanOrEqual(
    PHONE.width,
  );
}

test("every page fits a phone with a long email and name", async ({ page, api, admin }) => {
  const user = await createUser(api, { email: longEmail(), name: LONG_NAME });

  for (const [path, heading] of [
    ["/login", "Sign in"],
    ["/register", "Create your account"],
    ["/no-such-page", "Page not found"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: heading })).toBeVisible();
    await expectFits(page, path);
  }

  await page.goto("/register");
  await page.getByLabel("Name").fill(LONG_NAME.repeat(2));
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill("long enough password");
  await page.getByLabel("Confirm password").fill("long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Name must be at most 100 characters")).toBeVisible();
  await expectFits(page, "/register with errors");

  await signIn(page, user);
  await expect(page.getByRole("heading", { name: `Hello, ${LONG_NAME}` })).toBeVisible();
  await expectFits(page, "/");

  await page.goto("/sessions");
  await expect(page.getByRole("list", { name: "Active sessions" })).toBeVisible();
  await expectFits(page, "/sessions");

  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expectFits(page, "/admin as a user");

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/login");
  await signIn(page, admin);
  await page.goto("/admin");
  await expect(await findUser(page, user.email)).toBeVisible();
  await expectFits(page, "/admin as an admin");
});
