/**
 * Issue 23, finding 11, in the browser: the forms show a password's strength as the server will
 * judge it, with the dictionary loaded only once someone types a new password (it is most of
 * the meter's weight), and the server's refusal of a common password lands next to the field.
 */
import type { Page, Response } from "@playwright/test";

import { expect, test, uniqueEmail } from "./fixtures";

/** The common-password dictionary's own key: only the meter's lazy chunk holds it. */
const DICTIONARY_MARK = "diceware-common";

/** Every script the page fetched: whether it was asked for after `mark()`, and what it holds. */
function watchScripts(page: Page) {
  let marked = false;
  const scripts: Promise<{ afterMark: boolean; dictionary: boolean }>[] = [];
  page.on("response", (response: Response) => {
    if (!response.url().endsWith(".js")) return;
    const afterMark = marked;
    scripts.push(
      response.text().then((body) => ({ afterMark, dictionary: body.includes(DICTIONARY_MARK) })),
    );
  });
  return {
    mark: () => {
      marked = true;
    },
    all: () => Promise.all(scripts),
  };
}

test("the registration form rates the password as the server will, loading the dictionary on the first keystroke", async ({
  page,
}) => {
  const scripts = watchScripts(page);
  await page.goto("/register");
  await page.getByLabel("Email").fill(uniqueEmail("meter"));
  await expect(page.getByText(/^Strength:/)).toHaveCount(0);

  // The first keystroke fetches the judge, once; nothing the page loaded before held it.
  scripts.mark();
  const password = page.getByLabel("Password", { exact: true });
  await password.fill("password");
  await expect(page.getByText("Strength: Too weak (too common to be accepted)")).toBeVisible();
  await expect(page.getByText("This is a heavily used password.")).toBeVisible();
  const withDictionary = (await scripts.all()).filter((s) => s.dictionary);
  expect(withDictionary).toEqual([{ afterMark: true, dictionary: true }]);

  await password.fill("P@ssw0rd!");
  await expect(page.getByText("Strength: Too weak (too common to be accepted)")).toBeVisible();
  await password.fill("correct horse battery staple");
  await expect(page.getByText("Strength: Strong")).toBeVisible();
  await password.fill("");
  await expect(page.getByText(/^Strength:/)).toHaveCount(0);
  expect((await scripts.all()).filter((s) => s.dictionary)).toHaveLength(1);
});

test("a common password is refused by the server, next to the password field", async ({ page }) => {
  await page.goto("/register");
  await page.getByLabel("Email").fill(uniqueEmail("weak"));
  await page.getByLabel("Password", { exact: true }).fill("qwerty123");
  await page.getByLabel("Confirm password").fill("qwerty123");
  await page.getByRole("button", { name: "Create account" }).click();
  const field = page.getByLabel("Password", { exact: true });
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText(/This password is too easy to guess/)).toBeVisible();
  await expect(field).toBeFocused();
  await expect(page).toHaveURL("/register");
});

test("the change-password form counts the account's own email as guessed", async ({
  signedInPage: { page, user },
}) => {
  await page.goto("/");
  const local = user.email.split("@")[0]!;
  await page.getByLabel("New password", { exact: true }).fill(`${local}!`);
  await expect(page.getByText("Strength: Too weak (too common to be accepted)")).toBeVisible();
  await page.getByLabel("Current password").fill(user.password);
  await page.getByLabel("New password", { exact: true }).fill("password1");
  await page.getByLabel("Confirm new password").fill("password1");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByLabel("New password", { exact: true })).toHaveAttribute(
    "aria-invalid",
    "true",
  );
  await expect(page.getByText(/This password is too easy to guess/)).toBeVisible();
  // Not mistaken for a wrong current password.
  await expect(page.getByLabel("Current password")).not.toHaveAttribute("aria-invalid", "true");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the registration form is sent back with the refusal worded", async ({ page }) => {
    await page.goto("/register");
    await page.getByLabel("Email").fill(uniqueEmail("nojs-weak"));
    await page.getByLabel("Password", { exact: true }).fill("iloveyou");
    await page.getByLabel("Confirm password").fill("iloveyou");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL("/register?error=weak_password");
    await expect(page.getByText(/This password is too easy to guess/)).toBeVisible();
  });
});
