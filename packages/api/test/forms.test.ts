/**
 * The HTML form endpoints (`POST /api/auth/login`, `POST /api/auth/register`) that make the
 * sign-in pages work without JavaScript: what they accept, and everything they refuse, on both
 * mounts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  call,
  cookieFrom,
  quickDatabase,
  registerAndLogin,
  startTestServer,
  uniqueEmail,
  type Mount,
  type TestServer,
} from "./harness";

const ORIGIN = "http://app.test";
/** What Chromium sends with a form post from one of our pages. */
const SAME_ORIGIN = { origin: ORIGIN, "sec-fetch-site": "same-origin" };

async function post(
  server: TestServer,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = SAME_ORIGIN,
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The cookie's attributes without its value. */
const attributes = (setCookie: string | undefined) =>
  setCookie
    ?.split(";")
    .slice(1)
    .map((part) => part.trim());

describe.each<Mount>(["node", "fetch"])("form endpoints on the %s mount", (mount) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      mount,
    });
  });
  afterAll(() => server.close());

  describe("POST /api/auth/login", () => {
    it("sets the refresh cookie exactly as auth.login does and goes to next", async () => {
      const user = await registerAndLogin(server.url);
      const viaTrpc = await call(server.url, "mutation", "auth.login", {
        input: { email: user.email, password: user.password },
      });
      const response = await post(server, "/api/auth/login", {
        email: user.email,
        password: user.password,
        next: "/sessions?tab=all",
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/sessions?tab=all");
      expect(response.headers.get("cache-control")).toBe("no-store");
      const [cookie] = response.headers.getSetCookie();
      expect(attributes(cookie)).toEqual(attributes(viaTrpc.headers.getSetCookie()[0]));

      // It is a real session: the cookie refreshes.
      const refreshed = await call(server.url, "mutation", "auth.refresh", {
        cookie: cookieFrom(response),
        headers: SAME_ORIGIN,
      });
      expect(refreshed.status).toBe(200);
    });

    it.each([
      ["/\t/evil.example", "/"],
      ["/\n/evil.example", "/"],
      ["/\\evil.example", "/"],
      ["//evil.example", "/"],
      ["https://evil.example/", "/"],
      ["/login", "/"],
      ["", "/"],
    ])("never sends the browser off the site: next=%j goes to %j", async (next, expected) => {
      const user = await registerAndLogin(server.url);
      const response = await post(server, "/api/auth/login", {
        email: user.email,
        password: user.password,
        next,
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(expected);
    });

    it("sends a wrong password back to the form with a code, never the password or email", async () => {
      const user = await registerAndLogin(server.url);
      const password = "my secret guess";
      const response = await post(server, "/api/auth/login", {
        email: user.email,
        password,
        next: "/sessions",
      });
      expect(response.status).toBe(303);
      const location = response.headers.get("location")!;
      expect(location).toBe("/login?error=invalid_credentials&next=%2Fsessions");
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(decodeURIComponent(location)).not.toContain(user.email);
      expect(decodeURIComponent(location.replace(/\+/g, " "))).not.toContain(password);
    });

    it("refuses a post from another site before reading it", async () => {
      const user = await registerAndLogin(server.url);
      const foreign: Record<string, string>[] = [
        { origin: "http://evil.example", "sec-fetch-site": "cross-site" },
        { origin: "http://evil.example" },
        { "sec-fetch-site": "same-site" },
      ];
      for (const headers of foreign) {
        const response = await post(
          server,
          "/api/auth/login",
          { email: user.email, password: user.password },
          headers,
        );
        expect(response.status, JSON.stringify(headers)).toBe(403);
        expect(response.headers.getSetCookie()).toEqual([]);
      }
    });

    it("applies the tRPC input bounds", async () => {
      const email = uniqueEmail("bounds");
      const cases: [Record<string, string>, string][] = [
        [{ email: "not-an-email", password: "x" }, "invalid_email"],
        [{ email: `${"a".repeat(250)}@x.io`, password: "x" }, "invalid_email"],
        [{ email, password: "" }, "invalid_password"],
        [{ email, password: "p".repeat(257) }, "invalid_password"],
      ];
      for (const [fields, code] of cases) {
        const response = await post(server, "/api/auth/login", fields);
        expect(response.headers.get("location"), JSON.stringify(fields).slice(0, 80)).toBe(
          `/login?error=${code}`,
        );
      }
    });

    it("refuses what a form would never send", async () => {
      const json = await fetch(`${server.url}/api/auth/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/json", ...SAME_ORIGIN },
        body: JSON.stringify({ email: "a@b.co", password: "x" }),
      });
      expect(json.headers.get("location")).toBe("/login?error=bad_request");
      const huge = await post(server, "/api/auth/login", {
        email: "a@b.co",
        password: "x",
        padding: "z".repeat(20_000),
      });
      expect(huge.headers.get("location")).toBe("/login?error=bad_request");
      const get = await fetch(`${server.url}/api/auth/login`, { redirect: "manual" });
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
    });

    it("shares the per-account limit with auth.login and says how long to wait", async () => {
      const user = await registerAndLogin(server.url);
      // Five failures through tRPC use up the account's budget (5 a minute)...
      for (let i = 0; i < 5; i++) {
        const failed = await call(server.url, "mutation", "auth.login", {
          input: { email: user.email, password: `wrong ${i}` },
        });
        expect(failed.status).toBe(401);
      }
      // ...so the form is refused too, even with the right password.
      const response = await post(server, "/api/auth/login", {
        email: user.email,
        password: user.password,
        next: "/sessions",
      });
      const location = new URL(response.headers.get("location")!, ORIGIN);
      expect(location.pathname).toBe("/login");
      expect(location.searchParams.get("error")).toBe("rate_limited");
      expect(Number(location.searchParams.get("retry"))).toBeGreaterThan(0);
      expect(location.searchParams.get("next")).toBe("/sessions");
      expect(response.headers.getSetCookie()).toEqual([]);
    });
  });

  describe("POST /api/auth/register", () => {
    it("creates the account and sends the visitor to sign in", async () => {
      const email = uniqueEmail("form");
      const response = await post(server, "/api/auth/register", {
        name: "Form User",
        email,
        password: "long enough password",
        confirmPassword: "long enough password",
        next: "/sessions",
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/login?registered=1&next=%2Fsessions");
      const login = await call(server.url, "mutation", "auth.login", {
        input: { email, password: "long enough password" },
      });
      expect(login.status).toBe(200);
    });

    it.each([
      [{ email: "nope", password: "long enough password" }, "invalid_email"],
      [{ password: "short" }, "invalid_password"],
      [{ password: "p".repeat(257) }, "invalid_password"],
      [{ name: "n".repeat(101) }, "invalid_name"],
      [{ name: "bad\u0000name" }, "invalid_name"],
      [{ confirmPassword: "something else" }, "password_mismatch"],
    ])("refuses %j with %s", async (overrides, code) => {
      const fields = {
        email: uniqueEmail("form"),
        password: "long enough password",
        ...overrides,
      };
      const response = await post(server, "/api/auth/register", fields);
      expect(response.headers.get("location")).toBe(`/register?error=${code}`);
    });

    it("says when the email is taken", async () => {
      const user = await registerAndLogin(server.url);
      const response = await post(server, "/api/auth/register", {
        email: user.email,
        password: "long enough password",
      });
      expect(response.headers.get("location")).toBe("/register?error=email_taken");
    });

    it("counts against the same per-address limit as auth.register", async () => {
      // A server of its own: the limit is small, and the address is the forwarded one, which
      // both mounts see (the fetch mount has no other).
      const limited = await startTestServer({
        database: await quickDatabase(),
        store: "database",
        mount,
        env: { TRUST_PROXY: "true", RATE_LIMIT_REGISTER_IP: "3/1m" },
      });
      try {
        const headers = { ...SAME_ORIGIN, "x-forwarded-for": "198.51.100.7" };
        const register = () =>
          post(
            limited,
            "/api/auth/register",
            { email: uniqueEmail("limit"), password: "long enough password" },
            headers,
          );
        const first = await call(limited.url, "mutation", "auth.register", {
          input: { email: uniqueEmail("limit"), password: "long enough password" },
          headers,
        });
        expect(first.status).toBe(200);
        expect((await register()).headers.get("location")).toBe("/login?registered=1");
        expect((await register()).headers.get("location")).toBe("/login?registered=1");
        const refused = new URL((await register()).headers.get("location")!, ORIGIN);
        expect(refused.pathname).toBe("/register");
        expect(refused.searchParams.get("error")).toBe("rate_limited");
        expect(Number(refused.searchParams.get("retry"))).toBeGreaterThan(0);
      } finally {
        await limited.close();
      }
    });

    it("refuses a post from another site", async () => {
      const response = await post(
        server,
        "/api/auth/register",
        { email: uniqueEmail("csrf"), password: "long enough password" },
        { origin: "http://evil.example", "sec-fetch-site": "cross-site" },
      );
      expect(response.status).toBe(403);
    });
  });
});
