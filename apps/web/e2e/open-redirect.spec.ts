/**
 * `?next=` never leads off the site, whatever the browser's URL parser makes of it: it drops
 * tabs and newlines and reads `\` as `/`, so `/%09/evil.example` becomes `//evil.example`.
 * Dot segments are the other road there: `/.//evil.example` and `/a/..//evil.example` resolve
 * to the path `//evil.example` (issue 23, finding 3). Each variant goes through the page visit,
 * the JavaScript sign-in and the form without JavaScript.
 * Any navigation to the evil host is answered here (no network) and would show in the URL.
 */
import type { BrowserContext, Page } from "@playwright/test";

import { expect, signIn, submitSignIn, test } from "./fixtures";

/** Resolve to `//evil.example` or `/\\evil.example` (`%252e` arrives as `%2e`, a dot to the parser). */
const DOT_SEGMENTS = [
  "/.//evil.example",
  "/..//evil.example",
  "/%252e//evil.example",
  "/a/..//evil.example",
  "/./%5Cevil.example",
];

const VARIANTS = [
  ...DOT_SEGMENTS,
  "/%09/evil.example",
  "/%0a/evil.example",
  "/%0d%0a/evil.example",
  "%09//evil.example",
  "/%5Cevil.example",
  "%5C%5Cevil.example",
  "/%09%5Cevil.example",
  "%2F%2Fevil.example",
  "//evil.example",
  "https://evil.example/",
];

/** Encoded twice: decoded once it is a path of this site with `%09` in it (a 404, not a jump). */
const DOUBLE_ENCODED = "/%2509/evil.example";

async function trapEvil(context: BrowserContext): Promise<void> {
  await context.route(
    (url) => url.hostname === "evil.example",
    (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<h1>evil</h1>" }),
  );
}

async function expectHome(page: Page, baseURL: string): Promise<void> {
  await expect(page.getByTestId("user-email")).toBeVisible();
  const url = new URL(page.url());
  expect(url.origin).toBe(new URL(baseURL).origin);
  expect(url.pathname).toBe("/");
}

test("a signed-in visitor is never sent off the site by next", async ({
  page,
  context,
  user,
  baseURL,
}) => {
  await trapEvil(context);
  await signIn(page, user);
  for (const next of VARIANTS) {
    await page.goto(`/login?next=${next}`);
    await test.step(next, () => expectHome(page, baseURL!));
  }
  await page.goto(`/login?next=${DOUBLE_ENCODED}`);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  expect(page.url()).toBe(new URL("/%09/evil.example", baseURL).href);
});

test("signing in through the form is never sent off the site by next", async ({
  page,
  context,
  user,
  baseURL,
}) => {
  // Ten full sign-ins (an argon2 hash each): a budget for the work, not a bound on it.
  test.slow();
  await trapEvil(context);
  for (const next of [...DOT_SEGMENTS, ...VARIANTS.slice(DOT_SEGMENTS.length).slice(0, 5)]) {
    await page.goto(`/login?next=${next}`);
    await submitSignIn(page, user);
    await test.step(next, () => expectHome(page, baseURL!));
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL("/login");
  }
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("the form endpoint is never sent off the site by next", async ({
    page,
    context,
    user,
    baseURL,
  }) => {
    // Ten full sign-ins (an argon2 hash each): a budget for the work, not a bound on it.
    test.slow();
    await trapEvil(context);
    for (const next of [...DOT_SEGMENTS, ...VARIANTS.slice(DOT_SEGMENTS.length).slice(0, 5)]) {
      await context.clearCookies();
      await page.goto(`/login?next=${next}`);
      await submitSignIn(page, user);
      await test.step(next, () => expect(page).toHaveURL(new URL("/", baseURL).href));
    }
  });
});
