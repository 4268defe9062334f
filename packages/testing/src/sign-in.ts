/**
 * Signs a browser page in without a form: a real `auth.login` through `page.request`, which
 * shares the page's cookie jar, so the refresh cookie is the page's; then the page loads and its
 * client restores the session from that cookie, as after any reload.
 */
import { expect, type BrowserContext, type Page } from "@playwright/test";

import { heldAccessToken, recordSignOuts } from "./page-session";
import { AUTHKIT_ENV, envValue, type Credentials } from "./target";

const origins = new WeakMap<BrowserContext, string>();

/** The Authkit origin the fixtures resolved for this context (see ./test). */
export function rememberAuthkitURL(context: BrowserContext, url: string): void {
  origins.set(context, url);
}

/** Where a page's Authkit API is: the fixtures' origin, AUTHKIT_BASE_URL, else the page's baseURL. */
export function apiUrl(page: Page, path: string): string {
  const origin = origins.get(page.context()) ?? envValue(AUTHKIT_ENV.baseURL);
  return origin ? `${origin}/api/trpc/${path}` : `/api/trpc/${path}`;
}

/**
 * Signs `page` in as `user` and loads `path` (default `/`); resolves once the page's client
 * holds an access token. Fails with the server's answer when the login is refused, and when
 * the account asks for a second factor (sign such users in through the app's own form).
 */
export async function signIn(page: Page, user: Credentials, path = "/"): Promise<void> {
  await recordSignOuts(page.context());
  const response = await page.request.post(apiUrl(page, "auth.login"), {
    data: { email: user.email, password: user.password },
  });
  const body = (await response.json()) as { result?: { data?: { mfaRequired?: boolean } } };
  expect(response.ok(), `login of ${user.email}: ${JSON.stringify(body)}`).toBe(true);
  expect(body.result?.data?.mfaRequired, `${user.email} must pass a second factor`).toBeFalsy();
  await page.goto(path);
  await expect
    .poll(() => heldAccessToken(page), { message: `the page holds ${user.email}'s session` })
    .not.toBeNull();
}
