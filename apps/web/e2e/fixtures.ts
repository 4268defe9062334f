/**
 * This app's end-to-end fixtures: `@authkit/testing/playwright` (user, signedInPage, admin,
 * api, mailbox and the helpers, see docs/testing.md) plus what only this app has: its markup
 * (the signed-in email, alerts, the admin table, the session stream's attribute), its forms,
 * a CSP check on every page, and skipping without Chromium.
 *
 *   import { test, expect } from "./fixtures";
 *   test("shows my sessions", async ({ signedInPage: { page, user } }) => { ... });
 */
import { randomUUID } from "node:crypto";

import { expect, test as base, type AuthkitApi, type TestUser } from "@authkit/testing/playwright";

import { chromiumPath } from "./env";

export { expect, type TestUser };
export {
  addVirtualAuthenticator,
  expectSignedOutWithin,
  expireAccessToken,
  passkey,
  signOut,
  totpCode,
  type Passkey,
} from "@authkit/testing/playwright";
export { errorAlerts, findUser } from "./app-locators";
export {
  leavesForLogin,
  reportLatency,
  sessionEventsLive,
  stallSessionEvents,
  UNTIL_DONE,
  watchSignOut,
} from "./session-events";
export { signedInContext, signIn, submitSignIn, type SignedIn } from "./sign-in";
export { expectNoUnretriedFailures, watchApi, type ApiCall } from "./watch-api";

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@e2e.test`;
}

/** Another account, beside the test's `user`. */
export async function createUser(
  api: AuthkitApi,
  overrides: Partial<Pick<TestUser, "email" | "name">> = {},
): Promise<TestUser> {
  const user = {
    email: overrides.email ?? uniqueEmail(),
    password: "correct horse battery staple",
    name: overrides.name ?? "Ada Lovelace",
  };
  const { user: created } = await api.as(null).auth.register.mutate(user);
  return { ...user, id: created.id };
}

export const test = base.extend<{ skipWithoutBrowser: void; cspGuard: void }>({
  skipWithoutBrowser: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring
    async ({}, use, testInfo) => {
      testInfo.skip(!chromiumPath(), "Chromium is missing: apt-get install chromium");
      await use();
    },
    { auto: true },
  ],
  // Every test doubles as a CSP check: a blocked script or style on any page fails it.
  cspGuard: [
    async ({ page }, use) => {
      const violations: string[] = [];
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await use();
      expect(violations, "CSP violations").toEqual([]);
    },
    { auto: true },
  ],
});
