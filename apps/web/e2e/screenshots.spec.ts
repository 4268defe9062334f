/**
 * Every page at desktop and phone width, written to e2e/screenshots/ (not committed) for a
 * human to look at. Each shot also checks the page does not scroll sideways on a phone.
 */
import type { Page } from "@playwright/test";

import { createUser, expect, signIn, test } from "./fixtures";

const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 375, height: 812 },
] as const;

async function shoot(page: Page, name: string, viewport: string): Promise<void> {
  await expect(page.getByRole("status").filter({ hasText: /Loading|Checking/ })).toHaveCount(0);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, `${name} scrolls sideways at ${viewport}`).toBeLessThanOrEqual(0);
  await page.screenshot({
    path: `e2e/screenshots/${name}-${viewport}.png`,
    fullPage: true,
    animations: "disabled",
  });
}

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.name} width`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test("signed-out pages", async ({ page }) => {
      await page.goto("/login");
      await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
      await shoot(page, "login", viewport.name);

      await page.goto("/register");
      await page.getByLabel("Email").fill("not-an-email");
      await page.getByLabel("Password", { exact: true }).fill("short");
      await page.getByLabel("Confirm password").fill("short");
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page.getByText("Enter a valid email address")).toBeVisible();
      await page.getByLabel("Name").focus();
      await shoot(page, "register-errors", viewport.name);

      await page.goto("/forgot-password");
      await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
      await shoot(page, "forgot-password", viewport.name);

      await page.goto("/reset-password?token=made-up");
      await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
      await shoot(page, "reset-password", viewport.name);

      await page.goto("/verify-email?token=made-up");
      await expect(page.getByRole("button", { name: "Confirm my email" })).toBeVisible();
      await shoot(page, "verify-email", viewport.name);
    });

    test("signed-in pages", async ({ signedInPage: { page, user }, browser, baseURL }) => {
      // A second device, so the sessions page has something to revoke.
      const other = await browser.newContext({
        baseURL,
        userAgent:
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
      });
      await signIn(await other.newPage(), user);

      await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
      await shoot(page, "account", viewport.name);

      await page.getByRole("link", { name: "Sessions" }).click();
      await expect(
        page.getByRole("list", { name: "Active sessions" }).getByRole("listitem"),
      ).toHaveCount(2);
      await shoot(page, "sessions", viewport.name);

      await page.goto("/admin");
      await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
      await shoot(page, "admin-not-allowed", viewport.name);
      await other.close();
    });

    test("admin page", async ({ page, admin, api }) => {
      await createUser(api, { name: "Katherine Johnson" });
      await signIn(page, admin);
      await page.getByRole("link", { name: "Admin" }).click();
      await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
      await shoot(page, "admin", viewport.name);
    });
  });
}
