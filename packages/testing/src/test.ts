/**
 * `test` and `expect` for specs that drive an app against a real Authkit server. Fixtures:
 * `user` (a fresh account), `signedInPage` (the test's page, signed in as `user`), `admin`,
 * `api` (a typed tRPC client as the page's user, else as `user`) and `mailbox` (the mail the
 * server sent). Options: `authkitURL` (default AUTHKIT_BASE_URL, else the project's baseURL)
 * and `authkitAdmin` (default AUTHKIT_ADMIN_EMAIL / AUTHKIT_ADMIN_PASSWORD).
 */
import { randomUUID } from "node:crypto";

import { test as base, expect, type Page } from "@playwright/test";

import {
  createAuthkitClient,
  loginTokenSource,
  withAs,
  type AuthkitApi,
  type TokenSource,
} from "./authkit-api";
import { openMailbox, type Mailbox } from "./mailbox";
import { heldAccessToken, instrument } from "./page-session";
import { apiUrl, rememberAuthkitURL, signIn } from "./sign-in";
import { AUTHKIT_ENV, envAdmin, envValue, resolveAuthkitURL, type Credentials } from "./target";

export { expect };

export interface TestUser extends Credentials {
  id: string;
  name: string;
}

/** The test's page, signed in; `{ page, user }` destructures from it too. */
export type SignedInPage = Page & { page: Page; user: TestUser };

export interface AuthkitOptions {
  authkitURL: string | undefined;
  authkitAdmin: Credentials | undefined;
}

export interface AuthkitFixtures {
  user: TestUser;
  signedInPage: SignedInPage;
  admin: TestUser;
  api: AuthkitApi;
  mailbox: Mailbox;
}

/** Who the test is: filled in as its fixtures are set up, read by `api` at each call. */
interface Identity {
  url: () => string;
  page: Page | null;
  user: TestUser | null;
}

const adminIds = new Map<string, Promise<string>>();

/** The admin's id, asked once per worker (a login each time would spend its login limit). */
function adminId(url: string, admin: Credentials): Promise<string> {
  const key = `${url} ${admin.email}`;
  let id = adminIds.get(key);
  if (!id) {
    id = createAuthkitClient(url, loginTokenSource(url, admin))
      .user.me.query()
      .then((me) => me.id);
    adminIds.set(key, id);
  }
  return id;
}

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@e2e.test`;
}

async function registerUser(url: string): Promise<TestUser> {
  const user = {
    email: uniqueEmail(),
    password: "correct horse battery staple",
    name: "Ada Lovelace",
  };
  const anonymous = createAuthkitClient(url, () => Promise.resolve(null));
  const { user: created } = await anonymous.auth.register.mutate(user);
  return { ...user, id: created.id };
}

/** The page's own token (asked from its tabs), else a refresh through its cookie jar. */
function pageTokenSource(page: Page): TokenSource {
  return async () => {
    const held = await heldAccessToken(page);
    if (held) return held;
    const response = await page.request.post(apiUrl(page, "auth.refresh"), { data: {} });
    const body = (await response.json()) as { result?: { data?: { accessToken?: string } } };
    return body.result?.data?.accessToken ?? null;
  };
}

export const test = base.extend<AuthkitFixtures & AuthkitOptions & { _identity: Identity }>({
  authkitURL: [undefined, { option: true }],
  authkitAdmin: [undefined, { option: true }],
  _identity: async ({ authkitURL, baseURL }, use) => {
    await use({ url: () => resolveAuthkitURL(authkitURL, baseURL), page: null, user: null });
  },
  // Every page of the test's context can have its token expired and its sign-out awaited.
  context: async ({ context, authkitURL, baseURL }, use) => {
    const url = authkitURL ?? envValue(AUTHKIT_ENV.baseURL) ?? baseURL;
    if (url) rememberAuthkitURL(context, url.replace(/\/+$/, ""));
    await instrument(context);
    await use(context);
  },
  user: async ({ _identity }, use) => {
    _identity.user = await registerUser(_identity.url());
    await use(_identity.user);
  },
  signedInPage: async ({ page, user, _identity }, use) => {
    await signIn(page, user);
    _identity.page = page;
    await use(Object.assign(page, { page, user }));
  },
  admin: async ({ _identity, authkitAdmin }, use) => {
    const credentials = authkitAdmin ?? envAdmin();
    if (!credentials)
      throw new Error(
        `admin: set ${AUTHKIT_ENV.adminEmail} and ${AUTHKIT_ENV.adminPassword} (or the authkitAdmin option) to the admin the server was started with`,
      );
    const id = await adminId(_identity.url(), credentials);
    await use({ ...credentials, id, name: "Admin" });
  },
  api: async ({ _identity }, use) => {
    const url = _identity.url();
    let asUser: TokenSource | null = null;
    const token: TokenSource = () => {
      if (_identity.page) return pageTokenSource(_identity.page)();
      if (_identity.user) return (asUser ??= loginTokenSource(url, _identity.user))();
      return Promise.resolve(null);
    };
    await use(withAs(createAuthkitClient(url, token), url));
  },
  mailbox: async ({ _identity }, use) => {
    const dir = envValue(AUTHKIT_ENV.mailboxDir);
    if (!dir)
      throw new Error(
        `mailbox: no SMTP receiver in this run (${AUTHKIT_ENV.mailboxDir} is unset): add @authkit/testing/global-setup, see docs/testing.md`,
      );
    await use(openMailbox(dir, () => _identity.user?.email ?? null));
  },
});
