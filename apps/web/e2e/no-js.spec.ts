/**
 * The sign-in and registration pages arrive as working forms in the server's HTML: they work
 * before hydration and with JavaScript off (a plain POST to /api/auth/login or
 * /api/auth/register, answered with 303), and with JavaScript on the same forms go through tRPC.
 */
import { errorAlerts, expect, submitSignIn, test, uniqueEmail, watchApi } from "./fixtures";

test("the server's HTML holds the forms, with nothing to wait for in front of them", async ({
  request,
}) => {
  for (const [path, action] of [
    ["/login", "/api/auth/login"],
    ["/register", "/api/auth/register"],
  ] as const) {
    const html = await (await request.get(path)).text();
    expect(html).toContain(`action="${action}"`);
    expect(html).toMatch(/<form[^>]*method="post"/);
    expect(html).toMatch(/<input[^>]*name="email"/);
    expect(html).not.toMatch(/Checking your session|Loading…/);
  }
  // The account pages hold the access token in memory, so they need JavaScript, and say so.
  // (Playwright's script-disabled pages still parse <noscript> as text: checked in the HTML.)
  expect(await (await request.get("/sessions")).text()).toContain(
    '<noscript><p class="noscript">This page needs JavaScript',
  );
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("signing in sets the refresh cookie and goes to next", async ({ page, context, user }) => {
    await page.goto("/login?next=%2Fsessions");
    await expect(page.getByText("Please sign in to continue.")).toBeVisible();
    await submitSignIn(page, user);

    await expect(page).toHaveURL("/sessions");
    const cookie = (await context.cookies()).find((c) => c.name.endsWith("refresh_token"));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api" });
    // A real session: the cookie refreshes into this user's access token.
    const refreshed = await page.request.post("/api/trpc/auth.refresh", { data: {} });
    expect(refreshed.ok()).toBe(true);
    expect(await refreshed.json()).toMatchObject({
      result: { data: { user: { email: user.email } } },
    });
  });

  test("a wrong password comes back to the form as a message, without the password", async ({
    page,
    user,
  }) => {
    await page.goto("/login?next=%2Fsessions");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();

    await expect(page).toHaveURL("/login?error=invalid_credentials&next=%2Fsessions");
    await expect(errorAlerts(page)).toHaveText("Invalid email or password");
    // The stale "please sign in" notice gave way to the new message.
    await expect(page.getByText("Please sign in to continue.")).toHaveCount(0);
    expect(page.url()).not.toContain("not");
  });

  test("registering leads to the sign-in page, and mistakes come back as messages", async ({
    page,
    user,
  }) => {
    const email = uniqueEmail("nojs");
    await page.goto("/register");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password", { exact: true }).fill("long enough password");
    await page.getByLabel("Confirm password").fill("long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL("/register?error=email_taken");
    await expect(errorAlerts(page)).toHaveText("An account with this email already exists");

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill("long enough password");
    await page.getByLabel("Confirm password").fill("something else");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(errorAlerts(page)).toHaveText("Passwords don't match");

    await page.getByLabel("Name").fill("No Script");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill("long enough password");
    await page.getByLabel("Confirm password").fill("long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL("/login?registered=1");
    await expect(page.getByText("Account created")).toBeVisible();

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("long enough password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL("/");
  });
});

test("with JavaScript on, the same form signs in through tRPC, never the form endpoint", async ({
  page,
  user,
}) => {
  const calls = watchApi(page);
  const posts: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST") posts.push(new URL(request.url()).pathname);
  });
  await page.goto("/login");
  await submitSignIn(page, user);
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
  await calls.idle();
  expect(calls.calls.some((c) => c.path === "auth.login" && c.status === 200)).toBe(true);
  expect(posts).not.toContain("/api/auth/login");
});

test("a signed-in visitor of /login is sent on after hydration", async ({
  signedInPage: { page, user },
}) => {
  await page.goto("/login?next=%2Fsessions");
  await expect(page).toHaveURL("/sessions");
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();
  await page.goto("/register");
  await expect(page).toHaveURL("/");
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
});
