/**
 * Fixtures for end-to-end tests of the web app. In one line a test gets a user and a browser
 * page already signed in as that user:
 *
 *   import { test, expect } from "./fixtures";
 *   test("shows my sessions", async ({ signedInPage: { page, user } }) => { ... });
 *
 * Users are created through the real API; the page is signed in by a real `auth.login` whose
 * refresh cookie lands in the page's cookie jar, and then loads `/` (silent refresh).
 */
import { randomUUID } from "node:crypto";

import {
  test as base,
  expect,
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  type Page,
  type Request,
  type Response,
} from "@playwright/test";

import { chromiumPath, E2E_ADMIN } from "./env";

export { expect };

export interface TestUser {
  id: string;
  email: string;
  password: string;
  name: string;
  role: "user" | "admin";
}

export interface SignedIn {
  page: Page;
  user: TestUser;
}

/** A tRPC error as the API's formatter shapes it. */
interface TrpcError {
  message: string;
  data?: { code?: string; httpStatus?: number; zodError?: unknown };
}

/** Plain HTTP calls to the tRPC API (no batching, no transformer), for setting up tests. */
export class Api {
  constructor(private readonly request: APIRequestContext) {}

  async call<T>(
    kind: "query" | "mutation",
    path: string,
    input?: unknown,
    token?: string,
  ): Promise<T> {
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    const url = `/api/trpc/${path}`;
    const response =
      kind === "query"
        ? await this.request.get(
            input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`,
            { headers },
          )
        : await this.request.post(url, { data: input ?? {}, headers });
    const body = (await response.json()) as { result?: { data: T }; error?: TrpcError };
    if (!response.ok() || !body.result) {
      throw new Error(
        `${path} failed with ${response.status()}: ${body.error?.message ?? "no body"}`,
      );
    }
    return body.result.data;
  }

  /** A new account with a unique email; nobody is signed in as it yet. */
  async createUser(
    overrides: Partial<Pick<TestUser, "email" | "password" | "name">> = {},
  ): Promise<TestUser> {
    const email = overrides.email ?? uniqueEmail();
    const password = overrides.password ?? "correct horse battery staple";
    const name = overrides.name ?? "Ada Lovelace";
    const { user } = await this.call<{ user: { id: string; role: "user" | "admin" } }>(
      "mutation",
      "auth.register",
      {
        email,
        password,
        name,
      },
    );
    return { id: user.id, email, password, name, role: user.role };
  }

  async login(user: Pick<TestUser, "email" | "password">): Promise<{ accessToken: string }> {
    return this.call("mutation", "auth.login", { email: user.email, password: user.password });
  }
}

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@e2e.test`;
}

/**
 * Signs a page in as `user` without the login form: `page.request` shares the browser context's
 * cookie jar, so the refresh cookie of this login is the page's; loading `/` then restores the
 * session from it, as after any reload.
 */
export async function signIn(
  page: Page,
  user: Pick<TestUser, "email" | "password">,
): Promise<void> {
  const response = await page.request.post("/api/trpc/auth.login", {
    data: { email: user.email, password: user.password },
  });
  expect(response.ok(), `login of ${user.email}`).toBe(true);
  await page.goto("/");
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
}

/** Fills the sign-in form on the current page and submits it (with or without JavaScript). */
export async function submitSignIn(
  page: Page,
  user: Pick<TestUser, "email" | "password">,
): Promise<void> {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A second, independent browser (own cookies, own tabs): another device of the same user. */
export async function signedInContext(
  browser: Browser,
  baseURL: string,
  user: TestUser,
): Promise<SignedIn> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signIn(page, user);
  return { page, user };
}

/**
 * Alerts the app shows (form errors, failed loads). Next's route announcer is also
 * `role=alert` (it reads out page titles), so only the app's own regions are searched.
 */
export function errorAlerts(page: Page) {
  return page.locator("main [role=alert], header [role=alert]");
}

/** One tRPC call as the browser saw it; batched requests count once per procedure. */
export interface ApiCall {
  path: string;
  status: number;
  at: number;
}

/**
 * Records every tRPC call the page makes with its per-procedure outcome (a batch answers 207
 * when its calls disagree, so statuses come from the body).
 *
 * A subscription (`session.events`) answers with an event stream that stays open for the life
 * of the page: it is recorded by its HTTP status when it opens, and its body is never awaited
 * (that would keep `settle()` waiting until the page closes). A refused ticket is a plain 401
 * JSON answer, recorded like any call: the client's next attempt must succeed.
 */
export function watchApi(page: Page): {
  calls: ApiCall[];
  settle: () => Promise<void>;
  idle: () => Promise<void>;
} {
  const calls: ApiCall[] = [];
  const pending = new Set<Promise<void>>();
  // tRPC requests sent and not yet answered (event streams excluded: they stay open).
  const inFlight = new Set<Request>();
  const isCall = (request: Request) => {
    const { pathname } = new URL(request.url());
    return pathname.startsWith("/api/trpc/") && !pathname.startsWith("/api/trpc/session.events");
  };
  page.on("request", (request) => {
    if (isCall(request)) inFlight.add(request);
  });
  page.on("requestfinished", (request) => inFlight.delete(request));
  page.on("requestfailed", (request) => inFlight.delete(request));
  const record = async (response: Response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith("/api/trpc/")) return;
    const paths = decodeURIComponent(url.pathname.slice("/api/trpc/".length)).split(",");
    const at = Date.now();
    if (response.headers()["content-type"]?.includes("text/event-stream")) {
      calls.push({ path: paths[0]!, status: response.status(), at });
      return;
    }
    let bodies: unknown[] = [];
    try {
      const json: unknown = await response.json();
      bodies = Array.isArray(json) ? json : [json];
    } catch {
      // A body the page consumed or a non-JSON answer: fall back to the HTTP status.
    }
    paths.forEach((path, i) => {
      const body = bodies[i] as { error?: TrpcError } | undefined;
      const status = body?.error
        ? (body.error.data?.httpStatus ?? response.status())
        : body
          ? 200
          : response.status();
      calls.push({ path, status, at });
    });
  };
  page.on("response", (response) => {
    const done = record(response).finally(() => pending.delete(done));
    pending.add(done);
  });
  const settle = async () => void (await Promise.all(pending));
  /**
   * Resolves when the page has nothing more to ask: two animation frames (React has run the
   * effects of what it last rendered, so any request they make has been sent), then no call in
   * flight, then every answer recorded.
   */
  const idle = async () => {
    await page.evaluate(
      () =>
        new Promise<void>((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
        ),
    );
    await expect.poll(() => inFlight.size, { message: "tRPC calls still in flight" }).toBe(0);
    await settle();
  };
  return { calls, settle, idle };
}

/**
 * Every call that failed with 401 was retried and then succeeded: the user never saw it.
 * Refresh itself must never fail while signed in (a failure would mean reuse detection fired).
 */
export function expectNoUnretriedFailures(calls: ApiCall[]): void {
  const failedRefresh = calls.filter((c) => c.path === "auth.refresh" && c.status !== 200);
  expect(failedRefresh, "failed refreshes").toEqual([]);
  const unretried = calls.filter(
    (c, i) =>
      c.status >= 400 &&
      !calls.slice(i + 1).some((later) => later.path === c.path && later.status === 200),
  );
  expect(unretried, "failed calls never retried successfully").toEqual([]);
}

/**
 * Holds every `session.events` request of a browser context open without an answer: the app
 * behaves as behind a proxy that never lets an event stream through, and learns of revocations
 * only from its own requests.
 */
export async function stallSessionEvents(context: BrowserContext): Promise<void> {
  await context.route(/\/api\/trpc\/session\.events/, () => undefined);
}

/** Resolves once the page's live session stream is up (the server is watching the session). */
/** The admin page shows one page of users: find the one by searching for the email. */
export async function findUser(page: Page, email: string) {
  await page.getByLabel("Search by email").fill(email);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByText(/^1 user matching/)).toBeVisible();
  return page.getByRole("row").filter({ hasText: email });
}

export async function sessionEventsLive(page: Page, timeout = 10_000): Promise<void> {
  await expect(page.locator("html")).toHaveAttribute("data-session-events", "live", { timeout });
}

interface Fixtures {
  api: Api;
  newUser: TestUser;
  signedInPage: SignedIn;
  admin: TestUser;
}

export const test = base.extend<Fixtures & { skipWithoutBrowser: void; cspGuard: void }>({
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
  api: async ({ playwright, baseURL }, use) => {
    const request = await playwright.request.newContext({ baseURL });
    await use(new Api(request));
    await request.dispose();
  },
  newUser: async ({ api }, use) => {
    await use(await api.createUser());
  },
  signedInPage: async ({ page, newUser }, use) => {
    await signIn(page, newUser);
    await use({ page, user: newUser });
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring
  admin: async ({}, use) => {
    await use({ id: "", ...E2E_ADMIN, name: "Admin", role: "admin" });
  },
});
