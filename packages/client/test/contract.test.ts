/**
 * The contract between this package and the real API: `AuthClient` with its default transport,
 * and `authLinks`, against `createFetchApiHandler` over `createApp` on an in-memory PGlite.
 * Nothing of ours is faked. Only `fetch` stands in for the browser's: same-origin requests,
 * answered in-process by the handler, with the headers a browser adds and a cookie jar that
 * honours `Path` and `Max-Age`. Every step awaits a real response; no timer is waited on. The
 * transport is the default one, given a request timeout as wide as the test's own backstop: on
 * a loaded machine a real request may take longer than the 15 s a browser waits, and that must
 * not decide the outcome.
 */
import { randomBytes } from "node:crypto";

import { createTRPCClient } from "@trpc/client";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import {
  createApp,
  createFetchApiHandler,
  type App,
  type AppRouter,
  type CreateAppOptions,
} from "@authkit/api";
import { loadConfig } from "@authkit/config";
import { createTestDatabase, type TestDatabase } from "@authkit/db/testing";

import { createAuthClient, type AuthClient } from "../src/auth-client";
import { authLinks } from "../src/link";
import { createTrpcTransport } from "../src/transport";

/** A backstop against a hang, not a measurement: argon2 and PGlite on a loaded machine. */
const HANG_MS = 300_000;

const ORIGIN = "http://app.test";
const API = `${ORIGIN}/api/trpc`;

interface Exchange {
  path: string;
  authorization: string | null;
  status: number;
}

/** RFC 6265 path-match: the cookie's path, or below it. */
const pathMatches = (requestPath: string, cookiePath: string) =>
  requestPath === cookiePath ||
  requestPath.startsWith(cookiePath.endsWith("/") ? cookiePath : `${cookiePath}/`);

/** The browser's part of HTTP, for one origin: the requests it sends, the cookies it keeps. */
function browserHttp(handle: (request: Request) => Promise<Response>) {
  const jar = new Map<string, { value: string; path: string }>();
  const exchanges: Exchange[] = [];

  function keep(setCookie: string): void {
    const [pair = "", ...attributes] = setCookie.split(";").map((part) => part.trim());
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const attribute = (key: string) =>
      attributes
        .find((a) => a.toLowerCase().startsWith(`${key}=`))
        ?.slice(key.length + 1)
        .trim();
    if (attribute("max-age") === "0") jar.delete(name);
    else jar.set(name, { value, path: attribute("path") ?? "/" });
  }

  const fetchInBrowser = async (input: RequestInfo | URL, init?: RequestInit) => {
    const sent = new Request(input, init);
    const url = new URL(sent.url);
    const headers = new Headers(sent.headers);
    const cookies = [...jar]
      .filter(([, cookie]) => pathMatches(url.pathname, cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`);
    if (cookies.length > 0) headers.set("cookie", cookies.join("; "));
    // What a browser says about a same-origin fetch; the API checks both on cookie calls.
    headers.set("sec-fetch-site", "same-origin");
    if (sent.method !== "GET" && sent.method !== "HEAD") headers.set("origin", url.origin);
    const hasBody = sent.method !== "GET" && sent.method !== "HEAD";
    const response = await handle(
      new Request(url, {
        method: sent.method,
        headers,
        body: hasBody ? await sent.arrayBuffer() : undefined,
        signal: sent.signal,
      }),
    );
    for (const line of response.headers.getSetCookie()) keep(line);
    exchanges.push({
      path: url.pathname.replace("/api/trpc/", ""),
      authorization: headers.get("authorization"),
      status: response.status,
    });
    return response;
  };
  return { fetch: fetchInBrowser, jar, exchanges };
}

let db: TestDatabase | undefined;
let app: App | undefined;
let http: ReturnType<typeof browserHttp>;
/** The server's clock, moved by the test; the device's clock (the client's) stays put. */
let serverNow = Date.now();
const clock: NonNullable<CreateAppOptions["clock"]> = { now: () => serverNow };

beforeAll(async () => {
  db = await createTestDatabase("pglite");
  const config = loadConfig(
    {
      NODE_ENV: "test",
      AUTH_SECRET: randomBytes(32).toString("hex"),
      APP_URL: ORIGIN,
      LOG_LEVEL: "silent",
    },
    { warn: () => undefined },
  );
  app = await createApp(config, { db, clock });
  http = browserHttp(createFetchApiHandler(app));
  // The client's transport and links call the global `fetch`, as they do in a browser.
  vi.stubGlobal("fetch", http.fetch);
  // PGlite starts and migrates in seconds alone, a minute or more on a loaded 2-core machine.
}, HANG_MS);

afterAll(async () => {
  vi.unstubAllGlobals();
  await app?.close();
  await db?.destroy();
});

let tokens: AuthClient | undefined;
afterEach(() => tokens?.dispose());

describe("AuthClient and authLinks against the real API", () => {
  it(
    "register, log in, refresh once on an expired token and retry, log out",
    async () => {
      // One tab, no cross-tab lock or channel: the subject here is HTTP, not the tabs.
      tokens = createAuthClient({
        transport: createTrpcTransport(API, HANG_MS),
        locks: null,
        channel: null,
      });
      const trpc = createTRPCClient<AppRouter>({ links: authLinks({ tokens, url: API }) });

      // First visit: no cookie, the server refuses the refresh, the page is quietly signed out.
      await tokens.start();
      expect(tokens.getState()).toEqual({ status: "signedOut", user: null, reason: null });
      expect(http.exchanges).toEqual([{ path: "auth.refresh", authorization: null, status: 401 }]);

      const email = `ada-${randomBytes(6).toString("hex")}@example.com`;
      const password = "correct horse battery staple";
      await trpc.auth.register.mutate({ email, password, name: "Ada" });
      const answer = await trpc.auth.login.mutate({ email, password });
      if (answer.mfaRequired)
        throw new Error("an account without a second factor signs in at once");
      tokens.signedIn(answer);
      expect(tokens.getState()).toMatchObject({
        status: "signedIn",
        user: { email, name: "Ada", role: "user" },
      });
      expect(http.jar.get("refresh_token")?.path).toBe("/api");

      const first = await tokens.getAccessToken();
      const me = await trpc.user.me.query();
      expect(me).toMatchObject({ email, name: "Ada", role: "user" });
      expect(http.exchanges.at(-1)).toEqual({
        path: "user.me",
        authorization: `Bearer ${first}`,
        status: 200,
      });

      // The token expires on the server's clock while the device's says it is fresh: the call is
      // sent, refused with a real 401, refreshed once from the cookie and retried once.
      const cookieBefore = http.jar.get("refresh_token")?.value;
      http.exchanges.length = 0;
      serverNow += 16 * 60_000;
      expect(await trpc.user.me.query()).toEqual(me);
      const second = await tokens.getAccessToken();
      expect(second).not.toBe(first);
      expect(http.exchanges).toEqual([
        { path: "user.me", authorization: `Bearer ${first}`, status: 401 },
        { path: "auth.refresh", authorization: null, status: 200 },
        { path: "user.me", authorization: `Bearer ${second}`, status: 200 },
      ]);
      // The refresh rotated the cookie (single use).
      expect(http.jar.get("refresh_token")?.value).not.toBe(cookieBefore);

      // Logout revokes the session and the access token it was sent with, and clears the cookie.
      http.exchanges.length = 0;
      await tokens.logout();
      expect(tokens.getState()).toEqual({ status: "signedOut", user: null, reason: "logout" });
      expect(http.exchanges).toEqual([
        { path: "auth.logout", authorization: `Bearer ${second}`, status: 200 },
      ]);
      expect(http.jar.has("refresh_token")).toBe(false);
      const replayed = await http.fetch(`${API}/user.me`, {
        headers: { authorization: `Bearer ${second}` },
      });
      expect(replayed.status).toBe(401);

      // Signed out, a protected call goes without a token and is not retried.
      http.exchanges.length = 0;
      await expect(trpc.user.me.query()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
      expect(http.exchanges).toEqual([{ path: "user.me", authorization: null, status: 401 }]);
      // A dozen requests, with argon2 hashing for register and login: a minute on a loaded machine.
    },
    HANG_MS,
  );
});
