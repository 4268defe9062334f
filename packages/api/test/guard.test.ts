import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { appRouter, PUBLIC_PROCEDURES } from "../src";
import { call, registerAndLogin, startTestServer, TEST_SECRET, type TestServer } from "./harness";

/**
 * Protected by default: every procedure of the router, except an explicit allow-list, must
 * refuse a caller without a valid token. A new route that forgets its guard fails here.
 */
/** What a developer reads when a procedure answers an anonymous or forged caller. */
const unguarded = (path: string, status: number, caller: string) =>
  `${path} answered ${status} to a caller with ${caller}, not 401. Give it a guard ` +
  `(protectedProcedure, adminProcedure or ticketProcedure from packages/api/src/trpc.ts), or, ` +
  `if anyone may call it on purpose, add "${path}" to PUBLIC_PROCEDURES in packages/api/src/root.ts`;

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: "query" | "mutation" | "subscription" } }
  >,
);

describe("the router", () => {
  let server: TestServer;
  let userToken: string;
  let validClaims: Record<string, unknown>;
  let kid: string;
  beforeAll(async () => {
    server = await startTestServer({ database: "pglite", store: "database" });
    const user = await registerAndLogin(server.url);
    userToken = user.accessToken;
    validClaims = JSON.parse(
      Buffer.from(userToken.split(".")[1]!, "base64url").toString(),
    ) as Record<string, unknown>;
    kid = (
      JSON.parse(Buffer.from(userToken.split(".")[0]!, "base64url").toString()) as { kid: string }
    ).kid;
  });
  afterAll(() => server.close());

  it("has an allow-list that names only real procedures", () => {
    const paths = procedures.map(([path]) => path);
    for (const path of PUBLIC_PROCEDURES) expect(paths).toContain(path);
    expect(paths.length).toBeGreaterThan(PUBLIC_PROCEDURES.length);
  });

  it.each(procedures.filter(([path]) => !(PUBLIC_PROCEDURES as readonly string[]).includes(path)))(
    "refuses %s without a token, with a garbage token and with a forged one",
    async (path, procedure) => {
      if (procedure._def.type === "subscription") {
        // Subscriptions authenticate by ticket, never by bearer token.
        for (const ticket of ["garbage", userToken]) {
          const result = await call(server.url, "query", path, {
            token: userToken,
            input: { ticket },
          });
          expect(result.status, unguarded(path, result.status, `ticket ${ticket}`)).toBe(401);
        }
        return;
      }
      const type = procedure._def.type === "query" ? "query" : "mutation";
      const forged = await new SignJWT({ ...validClaims, role: "admin" })
        .setProtectedHeader({ alg: "HS256", kid, typ: "JWT" })
        .sign(new TextEncoder().encode(TEST_SECRET.replace(/^./, "0")));
      for (const token of [null, "garbage", forged]) {
        const result = await call(server.url, type, path, { token, input: {} });
        expect(
          result.status,
          unguarded(
            path,
            result.status,
            token === null ? "no token" : `token ${token.slice(0, 12)}…`,
          ),
        ).toBe(401);
      }
    },
  );

  describe("answers every bad token with one identical 401", () => {
    /** A token that is not a JWT at all: every other refusal must look exactly like this one. */
    const reference = () => call(server.url, "query", "user.me", { token: "not-a-token" });
    const now = Math.floor(Date.now() / 1000);
    const sign = (
      claims: Record<string, unknown>,
      header: Record<string, unknown> = {},
      secret = TEST_SECRET,
    ) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid, typ: "JWT", ...header })
        .sign(new TextEncoder().encode(secret));
    const cases: [string, () => Promise<string>][] = [
      ["forged signature", () => sign(validClaims, {}, TEST_SECRET.replace(/^./, "0"))],
      [
        "tampered payload",
        () => {
          const [h, , s] = userToken.split(".");
          return Promise.resolve(
            `${h}.${Buffer.from(JSON.stringify({ ...validClaims, role: "admin" })).toString("base64url")}.${s}`,
          );
        },
      ],
      ["alg none", () => Promise.resolve(new UnsecuredJWT(validClaims).encode())],
      ["wrong algorithm", () => sign(validClaims, { alg: "HS384" })],
      ["expired", () => sign({ ...validClaims, iat: now - 7200, exp: now - 3600 })],
      ["wrong issuer", () => sign({ ...validClaims, iss: "https://evil.example" })],
      ["wrong audience", () => sign({ ...validClaims, aud: "api" })],
      ["missing sub", () => sign({ ...validClaims, sub: undefined })],
      ["unknown user", () => sign({ ...validClaims, sub: crypto.randomUUID() })],
      ["garbage", () => Promise.resolve("garbage.garbage.garbage")],
      ["oversized", () => Promise.resolve(`${"a".repeat(8000)}.b.c`)],
    ];
    // Each case on its own: refused, and in words that do not say why.
    it.each(cases)("%s", async (_, make) => {
      const expected = await reference();
      expect(expected.status).toBe(401);
      const result = await call(server.url, "query", "user.me", { token: await make() });
      expect(result.status).toBe(401);
      expect(result.headers.get("www-authenticate")).toBe("Bearer");
      expect(result.text).toBe(expected.text);
    });
  });

  it("gives a user's token 403 on admin procedures", async () => {
    expect((await call(server.url, "query", "admin.users", { token: userToken })).status).toBe(403);
    const setRole = await call(server.url, "mutation", "admin.setRole", {
      token: userToken,
      input: { userId: validClaims.sub, role: "admin" },
    });
    expect(setRole.status).toBe(403);
    expect((await call(server.url, "query", "user.me", { token: userToken })).data).toMatchObject({
      role: "user",
    });
  });
});

describe("API responses", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: "pglite", store: "database" });
  });
  afterAll(() => server.close());

  it.each([
    ["/api/trpc/health", "GET"],
    ["/api/trpc/user.me", "GET"],
    ["/api/auth/token", "POST"],
    ["/.well-known/jwks.json", "GET"],
  ])("carry the security headers: %s", async (path, method) => {
    const response = await fetch(`${server.url}${path}`, { method });
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
  });
});
