/** Where things are on the app's pages, for assertions. */
import { expect, type Page } from "@playwright/test";

/**
 * Alerts the app shows (form errors, failed loads). Next's route announcer is also
 * `role=alert` (it reads out page titles), so only the app's own regions are searched.
 */
export function errorAlerts(page: Page) {
  return page.locator("main [role=alert], header [role=alert]");
}

/** The admin page shows one page of users: find the one by searching for the email. */
export async function findUser(page: Page, email: string) {
  await page.getByLabel("Search by email").fill(email);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByText(/^1 user matching/)).toBeVisible();
  return page.getByRole("row").filter({ hasText: email });
}
