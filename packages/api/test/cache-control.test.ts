/**
 * Issue 23, finding 9: `user.me`, `session.list` and `auth.ticket` (whose body is a bearer
 * ticket) came without `Cache-Control: no-store`, so a browser or a shared proxy could keep
 * them. Every tRPC response, and every other API response that carries or depends on a
 * credential, must say `no-store`; only the JWKS (public keys) may be cached.
 *
 * The router is walked: a procedure added tomorrow is covered without anyone listing it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { appRouter, JWKS_PATH, OAUTH_REVOKE_PATH, OAUTH_TOKEN_PATH } from "../src";
import {
  call,
  quickDatabase,
  registerAndLogin,
  signedInAdmin,
  startTestServer,
  type Mount,
  type TestServer,
} from "./harness";
import { openSse, subscriptionUrl, ticketFor } from "./sse";

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: "query" | "mutation" | "subscription" } }
  >,
);

const noStore = (headers: Headers, what: string) =>
  expect(headers.get("cache-control") ?? "(none)", `${what}: Cache-Control`).toMatch(
    /(^|,\s*)no-store(\s*,|$)/,
  );

describe.each<Mount>(["node", "fetch"])("Cache-Control on the %s mount", (mount) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: await quickDatabase(), store: "database", mount });
  });
  afterAll(() => server.close());

  it("is no-store on the successful answers that carry personal data or a bearer ticket", async () => {
    const user = await registerAndLogin(server.url);
    for (const [type, path] of [
      ["query", "user.me"],
      ["query", "session.list"],
      ["mutation", "auth.ticket"],
    ] as const) {
      const result = await call(server.url, type, path, { token: user.accessToken });
      expect(result.status, path).toBe(200);
      noStore(result.headers, path);
    }
    const batch = await fetch(`${server.url}/api/trpc/user.me,session.list?batch=1&input={}`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(batch.status).toBe(200);
    noStore(batch.headers, "a batch");
  });

  it.each(procedures)(
    "%s: no-store for an anonymous caller, a signed-in admin and bad input",
    async (path, procedure) => {
      const { type } = procedure._def;
      // An admin of its own: an earlier procedure (auth.logout, setRole) may have ended a session.
      const { accessToken } = await signedInAdmin(server);
      if (type === "subscription") {
        const stream = await openSse(
          subscriptionUrl(server.url, path, {
            ticket: await ticketFor(server.url, accessToken),
          }),
        );
        try {
          expect(stream.contentType).toContain("text/event-stream");
          noStore(stream.headers, `${path} (event stream)`);
        } finally {
          stream.close();
        }
        for (const input of [{ ticket: "not-a-ticket" }, {}, undefined]) {
          const refused = await call(server.url, "query", path, { input });
          noStore(refused.headers, `${path} refused (${JSON.stringify(input)})`);
        }
        return;
      }
      const method = type === "query" ? "query" : "mutation";
      for (const [caller, options] of [
        ["anonymous", {}],
        ["admin, no input", { token: accessToken }],
        ["admin, bad input", { token: accessToken, input: { bad: [1, 2, 3] } }],
        ["garbage token", { token: "x.y.z", input: {} }],
      ] as const) {
        const result = await call(server.url, method, path, options);
        noStore(result.headers, `${path} (${caller}, ${result.status})`);
      }
    },
  );

  it("is no-store on unknown procedures, wrong methods and the ticket preflight's refusal", async () => {
    for (const response of [
      await fetch(`${server.url}/api/trpc/no.such.procedure`),
      await fetch(`${server.url}/api/trpc/user.me`, { method: "POST" }),
      await fetch(
        `${server.url}/api/trpc/session.events?input=${encodeURIComponent('{"ticket":"x"}')}`,
      ),
      await fetch(`${server.url}/api/trpc/health`),
    ])
      noStore(response.headers, `${response.url} (${response.status})`);
  });

  it("is no-store on the OAuth endpoints and the forms, and public only on the JWKS", async () => {
    const user = await registerAndLogin(server.url);
    const form = (path: string, fields: Record<string, string>) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: "http://app.test",
          "sec-fetch-site": "same-origin",
        },
        body: new URLSearchParams(fields).toString(),
      });
    const grant = await form(OAUTH_TOKEN_PATH, {
      grant_type: "password",
      username: user.email,
      password: user.password,
    });
    expect(grant.status).toBe(200);
    noStore(grant.headers, "token grant");
    const { access_token } = (await grant.json()) as { access_token: string };
    noStore((await form(OAUTH_REVOKE_PATH, { token: access_token })).headers, "revoke");
    noStore((await form(OAUTH_TOKEN_PATH, { grant_type: "nope" })).headers, "grant error");
    const signedIn = await form("/api/auth/login", { email: user.email, password: user.password });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.getSetCookie().length).toBeGreaterThan(0);
    noStore(signedIn.headers, "form sign-in");
    noStore((await form("/api/auth/login", { email: user.email })).headers, "form error");

    const jwks = await fetch(`${server.url}${JWKS_PATH}`);
    expect(jwks.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
  });
});
