import { errorAlerts, expect, signIn, test, uniqueEmail, watchApi } from "./fixtures";

test("register, sign in, stay signed in across a reload, sign out", async ({ page }) => {
  const email = uniqueEmail("flow");
  const password = "correct horse battery staple";

  await page.goto("/register");
  await page.getByLabel("Name").fill("Grace Hopper");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();

  // A new account is signed straight in.
  await expect(page).toHaveURL("/");
  await expect(page.getByRole("heading", { name: "Hello, Grace Hopper" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/login");
  await expect(page.getByText("You're signed out")).toBeVisible();

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL("/");
  await expect(page.getByTestId("user-email")).toHaveText(email);

  // The access token lives in memory only: a reload restores the session from the cookie.
  await page.reload();
  await expect(page.getByTestId("user-email")).toHaveText(email);

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/login");
  // And the session is gone for real: a reload does not bring it back.
  await page.goto("/");
  await expect(page).toHaveURL("/login");
});

test("a page load checks the session once, and focus or tab switches check nothing", async ({
  page,
  user,
}) => {
  await page.request.post("/api/trpc/auth.login", {
    data: { email: user.email, password: user.password },
  });
  const calls = watchApi(page);
  await page.goto("/");
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
  await page.evaluate(() => {
    for (let i = 0; i < 5; i++) {
      window.dispatchEvent(new Event("focus"));
      document.dispatchEvent(new Event("visibilitychange"));
    }
  });
  await page.getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
  // Whatever the focus events and the two page visits were going to ask has been asked.
  await calls.idle();
  const count = (path: string) => calls.calls.filter((c) => c.path === path).length;
  expect(count("auth.refresh")).toBeLessThanOrEqual(1);
  expect(count("user.me")).toBe(1);
});

test("shows the server's validation errors next to the fields", async ({ page, user }) => {
  await page.goto("/register");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();

  const email = page.getByLabel("Email");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await expect(page.getByText("Password must be at least 8 characters")).toBeVisible();
  // Keyboard users land on the first problem.
  await expect(email).toBeFocused();
  // Editing a field clears its message.
  await email.fill("someone@e2e.test");
  await expect(page.getByText("Enter a valid email address")).toHaveCount(0);

  await page.getByLabel("Confirm password").fill("different");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Passwords don't match")).toBeVisible();

  await page.goto("/register");
  await page.getByLabel("Email").fill(user.email.toUpperCase());
  await page.getByLabel("Password", { exact: true }).fill("long enough password");
  await page.getByLabel("Confirm password").fill("long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(errorAlerts(page)).toContainText("An account with this email already exists");

  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(errorAlerts(page)).toContainText("Invalid email or password");
  await expect(page).toHaveURL("/login");
});

test("a signed-out visitor of a protected page signs in and comes back to it", async ({
  page,
  user,
}) => {
  await page.goto("/sessions");
  await expect(page).toHaveURL("/login?next=%2Fsessions");
  await expect(page.getByText("Please sign in to continue.")).toBeVisible();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByLabel("Password").press("Enter");
  await expect(page).toHaveURL("/sessions");
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();
});

test("never follows ?next= off the site", async ({ page, user }) => {
  await page.goto("/login?next=//evil.example/steal");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL("/");
});

test("changing the password keeps this device and signs the others out", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}) => {
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await signIn(otherPage, user);

  const newPassword = "a brand new passphrase";
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password", { exact: true }).fill(newPassword);
  await page.getByLabel("Confirm new password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Current password is incorrect")).toBeVisible();

  await page.getByLabel("Current password").fill(user.password);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed")).toBeVisible();

  // The other device is out without doing anything (live session events; before its stream is
  // up, on its next request); this one is still in.
  await expect(otherPage).toHaveURL(/\/login/);
  await expect(otherPage.getByText("Your session has ended")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
  await other.close();
});

test("sign out everywhere signs out every device", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}) => {
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await signIn(otherPage, user);

  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  // The second step takes focus, so Enter confirms.
  await expect(page.getByRole("button", { name: "Yes, sign out everywhere" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL("/login");

  // The other device leaves by itself (live session events).
  await expect(otherPage).toHaveURL(/\/login/);
  await other.close();
});
