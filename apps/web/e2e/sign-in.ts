/**
 * Signing in on this app: through the API (@authkit/testing's signIn, then this app's header
 * shows the email), through the form, or in a second browser (another device of the user).
 */
import type { Browser, Page } from "@playwright/test";

import { expect, signIn as signInThroughApi, type TestUser } from "@authkit/testing/playwright";

/** Signs the page in (see @authkit/testing) and waits until this app shows who is signed in. */
export async function signIn(
  page: Page,
  user: Pick<TestUser, "email" | "password">,
): Promise<void> {
  await signInThroughApi(page, user);
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
}

export interface SignedIn {
  page: Page;
  user: TestUser;
}

/** Fills the sign-in form on the current page and submits it (with or without JavaScript). */
export async function submitSignIn(
  page: Page,
  user: Pick<TestUser, "email" | "password">,
): Promise<void> {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A second, independent browser (own cookies, own tabs): another device of the same user. */
export async function signedInContext(
  browser: Browser,
  baseURL: string,
  user: TestUser,
): Promise<SignedIn> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signIn(page, user);
  return { page, user };
}
