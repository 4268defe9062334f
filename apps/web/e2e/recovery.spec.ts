/**
 * Account recovery by real mail (issue 16): the app server sends over SMTP to the run's
 * mailbox (a real SMTP server started by the global setup, see @authkit/testing), and the test
 * follows the link in the mail it received.
 */
import type { Mail } from "@authkit/testing/playwright";

import { expect, sessionEventsLive, signedInContext, signIn, submitSignIn, test } from "./fixtures";

/** The path of the one account link in a mail (reset-password or verify-email). */
function accountLink(mail: Mail): URL {
  const link = mail.links.find((l) => /\/(reset-password|verify-email)\?token=/.test(l));
  if (!link) throw new Error(`no account link in "${mail.subject}"`);
  return new URL(link);
}

const pathOf = (url: URL) => `${url.pathname}${url.search}`;

test("forgot password → mail → reset → sign in, while another signed-in browser is signed out live", async ({
  browser,
  baseURL,
  page,
  user,
  mailbox,
}) => {
  const other = await signedInContext(browser, baseURL!, user);
  await sessionEventsLive(other.page);

  await page.goto("/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(user.email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Check your mail" })).toBeVisible();

  const mail = await mailbox.waitForMail(user.email, { subject: /^Reset/ });
  const link = accountLink(mail);
  expect(link.origin).toBe(new URL(baseURL!).origin);
  await page.goto(pathOf(link));

  const newPassword = "a new password from the mail";
  const field = page.getByLabel("New password", { exact: true });
  await expect(field).toHaveAttribute("autocomplete", "new-password");
  await field.fill(newPassword);
  await page.getByLabel("Confirm new password").fill("not the same");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("Passwords don't match")).toBeVisible();
  await page.getByLabel("Confirm new password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: "Your password was reset" }),
  ).toBeVisible();

  // The other browser did nothing: its live stream took it to /login, saying why.
  await expect(other.page).toHaveURL(/\/login/);
  await expect(other.page.getByText("Your password was changed. Sign in again.")).toBeVisible();

  // The link is used up.
  await page.goto(pathOf(link));
  await page.getByLabel("New password", { exact: true }).fill("yet another password");
  await page.getByLabel("Confirm new password").fill("yet another password");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "invalid or has expired" })).toBeVisible();

  await page.goto("/login");
  await submitSignIn(page, { email: user.email, password: newPassword });
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
  await other.page.context().close();
});

test("the verification mail's link confirms the email, and the account page says so", async ({
  page,
  user,
  mailbox,
}) => {
  const mail = await mailbox.waitForMail(user.email, { subject: /^Confirm/ });
  await signIn(page, user);
  await expect(page.getByTestId("email-status")).toContainText("Not confirmed");
  await page.goto(pathOf(accountLink(mail)));
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Email confirmed" })).toBeVisible();
  await page.getByRole("link", { name: "Continue to your account" }).click();
  await expect(page.getByTestId("email-status")).toContainText("Confirmed");
  await expect(page.getByTestId("email-status")).not.toContainText("Not confirmed");
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("forgot password and reset work as plain forms", async ({ page, user, mailbox }) => {
    await page.goto("/login");
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.getByLabel("Email").fill(user.email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page).toHaveURL("/forgot-password?sent=1");
    await expect(page.getByText("Check your mail")).toBeVisible();

    const mail = await mailbox.waitForMail(user.email, { subject: /^Reset/ });
    await page.goto(pathOf(accountLink(mail)));
    const newPassword = "a new password without scripts";
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("Confirm new password").fill(newPassword);
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page).toHaveURL("/login?reset=1");
    await expect(page.getByText("Password changed")).toBeVisible();

    await submitSignIn(page, { email: user.email, password: newPassword });
    await expect(page).toHaveURL("/");
  });

  test("the verification link confirms the email with a plain form", async ({
    page,
    user,
    mailbox,
  }) => {
    const mail = await mailbox.waitForMail(user.email, { subject: /^Confirm/ });
    await page.goto(pathOf(accountLink(mail)));
    await page.getByRole("button", { name: "Confirm my email" }).click();
    await expect(page).toHaveURL("/verify-email?verified=1");
    await expect(page.getByText("Email confirmed")).toBeVisible();
  });
});
