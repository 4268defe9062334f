import {
  expect,
  expectNoUnretriedFailures,
  findUser,
  sessionEventsLive,
  signedInContext,
  signIn,
  stallSessionEvents,
  submitSignIn,
  test,
  watchApi,
} from "./fixtures";

test("a regular user is told the admin page is not for them", async ({
  signedInPage: { page, user },
}) => {
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(page.getByText(user.email, { exact: false }).first()).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
});

test("an admin sees every user and changes a role, which applies on the user's next request", async ({
  page,
  browser,
  baseURL,
  admin,
  user,
}) => {
  // The promoted user is signed in elsewhere, holding a token that says role=user.
  const userContext = await browser.newContext({ baseURL });
  // Without the live stream (stalled here), the role change reaches the user's tab through its
  // next request's 401; live.spec.ts covers the stream refreshing the token at once.
  await stallSessionEvents(userContext);
  const userPage = await userContext.newPage();
  await signIn(userPage, user);
  const calls = watchApi(userPage);

  await signIn(page, admin);
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  const row = await findUser(page, user.email);
  await expect(row).toContainText("User");
  await row.getByRole("button", { name: `Make admin: ${user.email}` }).click();
  // A confirmation step first: nothing changes until "Yes", and Cancel gives focus back.
  await expect(row.getByRole("button", { name: "Yes, make admin" })).toBeFocused();
  await row.getByRole("button", { name: "Cancel" }).click();
  await expect(row.getByRole("button", { name: `Make admin: ${user.email}` })).toBeFocused();
  await expect(row.getByText("Admin", { exact: true })).toHaveCount(0);
  await row.getByRole("button", { name: `Make admin: ${user.email}` }).click();
  await row.getByRole("button", { name: "Yes, make admin" }).click();
  await expect(page.getByText(`${user.email} is now an administrator.`)).toBeVisible();
  await expect(row.getByText("Admin", { exact: true })).toBeVisible();

  // The user's old token died with the role change: their next call gets a 401, the client
  // refreshes (new token, new role) and retries, and the page just works, now with Admin.
  await userPage.getByRole("link", { name: "Sessions" }).click();
  await expect(userPage.getByRole("heading", { name: "Sessions" })).toBeVisible();
  await userPage.getByRole("link", { name: "Admin" }).click();
  await expect(userPage.getByRole("heading", { name: "Users" })).toBeVisible();
  await calls.settle();
  expect(calls.calls.some((c) => c.path === "session.list" && c.status === 401)).toBe(true);
  expectNoUnretriedFailures(calls.calls);

  // And back.
  await row.getByRole("button", { name: `Remove admin: ${user.email}` }).click();
  await row.getByRole("button", { name: "Yes, remove admin" }).click();
  await expect(page.getByText(`${user.email} is now a regular user.`)).toBeVisible();
  await userPage.reload();
  await expect(userPage.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await userContext.close();
});

test("an admin disables a user, who is signed out live and cannot sign in until enabled", async ({
  page,
  browser,
  baseURL,
  admin,
  user,
}) => {
  const other = await signedInContext(browser, baseURL!, user);
  await sessionEventsLive(other.page);

  await signIn(page, admin);
  await page.goto("/admin");
  const row = await findUser(page, user.email);
  await row.getByRole("button", { name: `Disable: ${user.email}` }).click();
  await row.getByRole("button", { name: "Yes, disable" }).click();
  await expect(
    page.getByText(`${user.email} is disabled and signed out everywhere.`),
  ).toBeVisible();
  await expect(row.getByText("Disabled", { exact: true })).toBeVisible();

  await expect(other.page).toHaveURL(/\/login/);
  await expect(
    other.page.getByText("Your account was disabled. Contact an administrator."),
  ).toBeVisible();
  await submitSignIn(other.page, user);
  await expect(
    other.page.getByRole("alert").filter({ hasText: "Invalid email or password" }),
  ).toBeVisible();

  await row.getByRole("button", { name: `Enable: ${user.email}` }).click();
  await row.getByRole("button", { name: "Yes, enable" }).click();
  await expect(page.getByText(`${user.email} can sign in again.`)).toBeVisible();
  await submitSignIn(other.page, user);
  await expect(other.page.getByTestId("user-email")).toHaveText(user.email);
  await other.page.context().close();
});
