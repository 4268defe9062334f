/**
 * Where focus goes, what the app says, and how it looks: the details a keyboard user, a
 * screen-reader user or a visitor in dark mode meets first.
 */
import { errorAlerts, expect, signIn, test } from "./fixtures";

test.describe("focus", () => {
  test("Cancel in the sign-out-everywhere confirmation returns focus to its button", async ({
    signedInPage: { page },
  }) => {
    const start = page.getByRole("button", { name: "Sign out everywhere" });
    await start.click();
    await expect(page.getByRole("button", { name: "Yes, sign out everywhere" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Cancel" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(start).toBeFocused();
  });

  test("a failed submit moves focus to the field at fault, or else to the message", async ({
    page,
    user,
  }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Password").fill("whatever");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByLabel("Email")).toBeFocused();

    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(errorAlerts(page)).toHaveText("Invalid email or password");
    await expect(errorAlerts(page)).toBeFocused();

    await page.goto("/register");
    await page.getByLabel("Email").fill("someone@e2e.test");
    await page.getByLabel("Password", { exact: true }).fill("long enough password");
    await page.getByLabel("Confirm password").fill("another password");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByLabel("Confirm password")).toBeFocused();
  });

  test("after a route change focus is on the new page's heading", async ({
    signedInPage: { page },
  }) => {
    await page.getByRole("link", { name: "Sessions" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Sessions" })).toBeFocused();
    await page.getByRole("link", { name: "Account" }).click();
    await expect(page.getByRole("heading", { level: 1, name: /^Hello/ })).toBeFocused();
  });
});

test.describe("wording", () => {
  test("one wording for signing out", async ({ signedInPage: { page } }) => {
    await expect(page.getByText(/log ?out/i)).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(page.getByText(/log ?out/i)).toHaveCount(0);
  });

  test("the rate-limit message says how long to wait", async ({ page, user }) => {
    // The per-account limit (5 a minute) counts failed attempts only.
    for (let i = 0; i < 5; i++) {
      const response = await page.request.post("/api/trpc/auth.login", {
        data: { email: user.email, password: `wrong password ${i}` },
      });
      expect(response.status()).toBe(401);
    }
    await page.goto("/login");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(errorAlerts(page)).toHaveText(/^Too many attempts\. Try again in \d+ seconds\.$/);
  });

  test("field limits are in their messages", async ({ page }) => {
    await page.goto("/register");
    await page.getByLabel("Name").fill("n".repeat(101));
    await page.getByLabel("Email").fill(`${"e".repeat(250)}@x.io`);
    await page.getByLabel("Password", { exact: true }).fill("p".repeat(257));
    await page.getByLabel("Confirm password").fill("p".repeat(257));
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Name must be at most 100 characters")).toBeVisible();
    await expect(page.getByText("Email must be at most 254 characters")).toBeVisible();
    await expect(page.getByText("Password must be at most 256 characters")).toBeVisible();
  });

  test("a new message replaces the one before it", async ({ signedInPage: { page, user } }) => {
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL("/login");
    await expect(page.getByText("You're signed out")).toBeVisible();
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(errorAlerts(page)).toHaveText("Invalid email or password");
    await expect(page.getByText("You're signed out")).toHaveCount(0);
  });
});

test("the sessions page shows phones and tablets with their own icons", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}) => {
  const devices = {
    phone:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    tablet:
      "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  };
  for (const userAgent of Object.values(devices)) {
    const context = await browser.newContext({ baseURL, userAgent });
    const response = await context.request.post("/api/trpc/auth.login", {
      data: { email: user.email, password: user.password },
    });
    expect(response.ok()).toBe(true);
    await context.close();
  }
  await page.getByRole("link", { name: "Sessions" }).click();
  const items = page.getByRole("list", { name: "Active sessions" }).getByRole("listitem");
  await expect(items).toHaveCount(3);
  await expect(items.filter({ hasText: "Safari on iOS" }).locator("[data-icon=phone]")).toHaveCount(
    1,
  );
  await expect(
    items.filter({ hasText: "Chrome on Android" }).locator("[data-icon=tablet]"),
  ).toHaveCount(1);
  await expect(items.filter({ hasText: "This device" }).locator("[data-icon=desktop]")).toHaveCount(
    1,
  );
});

test("the app follows the system's dark mode", async ({ page, user }) => {
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/login");
  const light = await background();
  await page.emulateMedia({ colorScheme: "dark" });
  await expect.poll(background).not.toBe(light);
  await expect.poll(background).toBe("rgb(15, 17, 23)");
  // Signed-in pages too.
  await signIn(page, user);
  await expect.poll(background).toBe("rgb(15, 17, 23)");
});
