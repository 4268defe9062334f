/**
 * Second factors in a real browser (issue 24): enrol an authenticator app from the key the page
 * shows, sign in with password and code, sign in with a recovery code, remove the factor; another
 * browser signed in as the same user is signed out live each time the factors change.
 */
import { Authenticator } from "./totp";
import {
  expect,
  leavesForLogin,
  reportLatency,
  sessionEventsLive,
  signedInContext,
  test,
  watchSignOut,
  type TestUser,
} from "./fixtures";
import type { Page } from "@playwright/test";

/** The message /login shows after the server ended a session because the factors changed. */
const FACTORS_CHANGED = "Your account's second factors changed. Sign in again.";

async function submitPassword(page: Page, user: Pick<TestUser, "email" | "password">) {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
}

/** Sets up an authenticator app on /security; returns it and the recovery codes shown once. */
async function enrol(page: Page) {
  await page.getByRole("link", { name: "Security" }).click();
  await expect(page.getByText("Two-step verification is off")).toBeVisible();
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const app = new Authenticator(await page.getByTestId("totp-secret").innerText());
  await page.getByLabel("Authentication code").fill(app.nextCode());
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  const codes = page.getByTestId("recovery-codes").locator("code");
  await expect(codes).toHaveCount(10);
  await expect(page.getByRole("heading", { name: "Save your recovery codes" })).toBeFocused();
  return { app, recoveryCodes: await codes.allInnerTexts() };
}

test("enrol TOTP, sign in with a code and with a recovery code, remove it; other browsers sign out live", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}, testInfo) => {
  // A whole journey in two browsers (three sign-ins, two live sign-outs): more than one step's time.
  test.slow();
  const laptop = await signedInContext(browser, baseURL!, user);
  await laptop.page.goto("/sessions");
  await sessionEventsLive(laptop.page);
  await watchSignOut(laptop.page);

  // Enrolment: the first factor answers the recovery codes; every other session ends.
  const { app, recoveryCodes } = await enrol(page);
  const enrolled = Date.now();
  reportLatency(
    testInfo,
    "other browser, factor added",
    await leavesForLogin(laptop.page, FACTORS_CHANGED, enrolled),
  );
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download" }).click();
  expect((await download).suggestedFilename()).toBe("authkit-recovery-codes.txt");
  await page.getByRole("button", { name: "I've saved them" }).click();
  await expect(
    page.getByRole("list", { name: "Second factors" }).getByRole("listitem"),
  ).toHaveCount(1);

  // Sign out, then in with password and a code from the app.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/login");
  await submitPassword(page, user);
  const code = page.getByLabel("Authentication code");
  await expect(code).toHaveAttribute("autocomplete", "one-time-code");
  await expect(code).toHaveAttribute("inputmode", "numeric");
  await expect(code).toBeFocused();
  await code.fill(app.nextCode());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("user-email")).toHaveText(user.email);

  // The other browser signs in with a recovery code instead.
  await submitPassword(laptop.page, user);
  await laptop.page.getByRole("button", { name: "Use a recovery code" }).click();
  await laptop.page.getByLabel("Recovery code").fill(recoveryCodes[0]!);
  await laptop.page.getByRole("button", { name: "Verify" }).click();
  // Back where the session ended (its `next`).
  await expect(laptop.page).toHaveURL("/sessions");
  await expect(laptop.page.getByRole("heading", { name: "Sessions" })).toBeVisible();
  await sessionEventsLive(laptop.page);
  await watchSignOut(laptop.page);

  // Removing the factor ends the other session too; this one stays.
  await page.getByRole("link", { name: "Security" }).click();
  const factors = page.getByRole("list", { name: "Second factors" });
  await expect(factors).toContainText("Last used just now");
  await factors.getByRole("button", { name: /^Remove/ }).click();
  const removed = page.waitForResponse((r) => r.url().includes("mfa.remove"));
  await page.getByRole("button", { name: "Yes, remove" }).click();
  expect((await removed).ok()).toBe(true);
  const answered = Date.now();
  await expect(page.getByText("Two-step verification is off")).toBeVisible();
  reportLatency(
    testInfo,
    "other browser, factor removed",
    await leavesForLogin(laptop.page, FACTORS_CHANGED, answered),
  );
  await expect(page).toHaveURL("/security");
  await laptop.page.context().close();
});

/** Whether the page scrolls sideways (something wider than a phone's screen). */
const overflowsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

test.describe("at phone width in dark mode", () => {
  test.use({ viewport: { width: 375, height: 812 }, colorScheme: "dark" });

  test("enrolment and the second step fit, with focus where the person acts", async ({
    signedInPage: { page, user },
  }) => {
    await page.goto("/security");
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    await expect(
      page.getByRole("heading", { name: "Set up your authenticator app" }),
    ).toBeFocused();
    await expect(
      page.getByRole("img", { name: "QR code for your authenticator app" }),
    ).toBeInViewport({ ratio: 0.5 });
    expect(await overflowsSideways(page)).toBe(false);
    const app = new Authenticator(await page.getByTestId("totp-secret").innerText());
    await page.getByLabel("Authentication code").fill(app.nextCode());
    await page.getByRole("button", { name: "Turn on two-step verification" }).click();
    await expect(page.getByRole("heading", { name: "Save your recovery codes" })).toBeFocused();
    expect(await overflowsSideways(page)).toBe(false);
    await page.getByRole("button", { name: "I've saved them" }).click();

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await submitPassword(page, user);
    await expect(page.getByLabel("Authentication code")).toBeFocused();
    expect(await overflowsSideways(page)).toBe(false);
    // A wrong code is refused beside the field, which gets the focus back.
    await page.getByLabel("Authentication code").fill(app.codeAt(0));
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByLabel("Authentication code")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Authentication code")).toBeFocused();
    await page.getByRole("button", { name: "Use a recovery code" }).click();
    await expect(page.getByLabel("Recovery code")).toBeFocused();
  });
});
