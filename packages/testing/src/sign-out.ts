/**
 * Signs a page out the way its client would: `auth.logout` with the page's token and refresh
 * cookie (the server ends the session, on every device that watches it), then the client's
 * `signedOut` message, so every tab of the page's browser drops its token at once.
 */
import { expect, type Page } from "@playwright/test";

import { announceSignOut, heldAccessToken } from "./page-session";
import { apiUrl } from "./sign-in";

export async function signOut(page: Page): Promise<void> {
  const token = await heldAccessToken(page);
  const response = await page.request.post(apiUrl(page, "auth.logout"), {
    data: {},
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(response.ok(), `auth.logout answered ${response.status()}`).toBe(true);
  await announceSignOut(page);
}
