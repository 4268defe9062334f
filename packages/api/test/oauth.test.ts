/**
 * The standard HTTP surface (docs/api.md: HTTP endpoints besides tRPC) over real HTTP: the OAuth2 token
 * endpoint (RFC 6749), revocation (RFC 7009) and the JWKS, on both mounts, driven the way
 * outsiders drive it: form posts, curl, and verifiers in other processes that know only the
 * JWKS URL.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import { promisify } from "node:util";

import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AuthError } from "@authkit/auth";
import {
  createTestDatabase,
  databaseKinds,
  IN_CI,
  type DatabaseKind,
  type TestDatabase,
} from "@authkit/db/testing";

import { OAUTH_MAX_BODY_BYTES } from "../src";
import { createGrantHandlers, type GrantDeps } from "../src/http/oauth/grants";
import {
  call,
  cookieFrom,
  quickDatabase,
  rawRefreshToken,
  startTestServer,
  TEST_SECRET,
  uniqueEmail,
  type Mount,
  type StoreKind,
  type TestServer,
} from "./harness";

const execFileAsync = promisify(execFile);
const PASSWORD = "correct horse battery";
const ISSUER = "http://app.test";
const AUDIENCE = "web";

// ---- Helpers: requests exactly as an OAuth client sends them ---------------------------------

interface FormResult {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function send(url: string, init: RequestInit): Promise<FormResult> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not JSON: the assertions on `text` say so.
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A form post; `body` as an object (each key once) or a raw string (to repeat keys). */
function post(
  base: string,
  path: string,
  body: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<FormResult> {
  return send(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: typeof body === "string" ? body : new URLSearchParams(body).toString(),
  });
}

const token = (
  base: string,
  body: Record<string, string> | string,
  headers?: Record<string, string>,
) => post(base, "/api/auth/token", body, headers);
const revoke = (
  base: string,
  body: Record<string, string> | string,
  headers?: Record<string, string>,
) => post(base, "/api/auth/revoke", body, headers);

interface Pair {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

async function register(base: string, email = uniqueEmail("oauth")): Promise<string> {
  const result = await call(base, "mutation", "auth.register", {
    input: { email, password: PASSWORD },
  });
  if (result.status !== 200) throw new Error(`register failed: ${result.text}`);
  return email;
}

async function passwordGrant(base: string, email: string): Promise<Pair> {
  const result = await token(base, { grant_type: "password", username: email, password: PASSWORD });
  if (result.status !== 200) throw new Error(`token failed: ${result.text}`);
  return result.json as unknown as Pair;
}

const me = (base: string, accessToken: string) =>
  call<{ email: string }>(base, "query", "user.me", { token: accessToken });

/** An RFC 6749 §5.2 error response: status, JSON body of exactly error (+ description), no-store. */
function expectOAuthError(result: FormResult, status: number, error: string) {
  expect({ status: result.status, error: result.json.error }).toEqual({ status, error });
  expect(Object.keys(result.json).sort()).toEqual(["error", "error_description"]);
  expect(result.json.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
  expect(result.headers.get("content-type")).toMatch(/^application\/json/);
  expect(result.headers.get("cache-control")).toBe("no-store");
}

/** One embedded database for the suites below that need no fresh one (emails are unique). */
let sharedDb: Promise<TestDatabase> | undefined;
const shared = () => (sharedDb ??= quickDatabase().then(createTestDatabase));
afterAll(async () => {
  await (await sharedDb)?.destroy();
});

const kinds = await databaseKinds();
const combos: [Mount, DatabaseKind, StoreKind][] = [
  ["node", "pglite", "database"],
  ["fetch", "pglite", "upstash"],
  ...(kinds.includes("postgresql")
    ? ([
        ["node", "postgresql", "upstash"],
        ["fetch", "postgresql", "database"],
      ] as [Mount, DatabaseKind, StoreKind][])
    : []),
];

// ---- Token endpoint and revocation on every mount --------------------------------------------

describe.each(combos)(
  "OAuth2 endpoints on the %s mount (%s, %s store)",
  (mount, database, store) => {
    let server: TestServer;
    let base: string;
    let email: string;
    beforeAll(async () => {
      server = await startTestServer({ database, store, mount });
      base = server.url;
      email = await register(base);
    });
    afterAll(() => server.close());

    it("issues a token pair for grant_type=password that the tRPC API accepts", async () => {
      const result = await token(base, {
        grant_type: "password",
        username: `  ${email.toUpperCase()} `,
        password: PASSWORD,
      });
      expect(result.status).toBe(200);
      expect(result.headers.get("cache-control")).toBe("no-store");
      expect(result.headers.get("pragma")).toBe("no-cache");
      expect(result.headers.get("content-type")).toMatch(/^application\/json/);
      expect(result.headers.get("set-cookie")).toBeNull();
      expect(result.json).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        token_type: "bearer",
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[\w-]{43,}$/),
      });
      const { access_token } = result.json as unknown as Pair;
      // HS256 tokens name no key: nothing in them is computed from the secret (auth's keys.ts).
      expect(decodeProtectedHeader(access_token)).toEqual({ alg: "HS256", typ: "JWT" });
      const user = await me(base, access_token);
      expect(user.status).toBe(200);
      expect(user.data.email).toBe(email);
    });

    it("rotates with grant_type=refresh_token; a replay is invalid_grant and kills the family", async () => {
      const first = await passwordGrant(base, email);
      const rotated = await token(base, {
        grant_type: "refresh_token",
        refresh_token: first.refresh_token,
      });
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get("cache-control")).toBe("no-store");
      const second = rotated.json as unknown as Pair;
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      expect((await me(base, second.access_token)).status).toBe(200);

      // The consumed token comes back after the reuse grace: invalid_grant, and every session
      // of the user dies with it.
      server.clock.advance(11);
      expectOAuthError(
        await token(base, { grant_type: "refresh_token", refresh_token: first.refresh_token }),
        400,
        "invalid_grant",
      );
      server.clock.advance(-11);
      expectOAuthError(
        await token(base, { grant_type: "refresh_token", refresh_token: second.refresh_token }),
        400,
        "invalid_grant",
      );
      const after = await me(base, second.access_token);
      expect(after.status).toBe(401);
      expect(after.headers.get("www-authenticate")).toBe("Bearer");
    });

    it("shares rotation and reuse detection with the tRPC cookie flow", async () => {
      const login = await call(base, "mutation", "auth.login", {
        input: { email, password: PASSWORD },
      });
      const cookie = cookieFrom(login)!;
      const viaOAuth = await token(base, {
        grant_type: "refresh_token",
        refresh_token: rawRefreshToken(cookie),
      });
      expect(viaOAuth.status).toBe(200);
      // The browser replays the cookie the OAuth client already rotated, after the reuse grace:
      // theft, every session revoked.
      server.clock.advance(11);
      expect((await call(base, "mutation", "auth.refresh", { cookie })).status).toBe(401);
      server.clock.advance(-11);
      const next = viaOAuth.json as unknown as Pair;
      expectOAuthError(
        await token(base, { grant_type: "refresh_token", refresh_token: next.refresh_token }),
        400,
        "invalid_grant",
      );
    });

    it("answers every RFC 6749 §5.2 case with the right error code", async () => {
      const cases: [string, Promise<FormResult>, number, string][] = [
        [
          "missing grant_type",
          token(base, { username: email, password: PASSWORD }),
          400,
          "invalid_request",
        ],
        [
          "empty grant_type (= omitted)",
          token(base, { grant_type: "", username: email, password: PASSWORD }),
          400,
          "invalid_request",
        ],
        [
          "unknown grant",
          token(base, { grant_type: "client_credentials" }),
          400,
          "unsupported_grant_type",
        ],
        [
          "authorization_code grant",
          token(base, { grant_type: "authorization_code", code: "x" }),
          400,
          "unsupported_grant_type",
        ],
        [
          "wrong password",
          token(base, { grant_type: "password", username: email, password: "wrong password!" }),
          400,
          "invalid_grant",
        ],
        [
          "unknown user",
          token(base, {
            grant_type: "password",
            username: uniqueEmail("nobody"),
            password: PASSWORD,
          }),
          400,
          "invalid_grant",
        ],
        [
          "malformed username",
          token(base, {
            grant_type: "password",
            // Unique: failures count per username, in a Redis every upstash suite on the machine
            // shares; one fixed name hit the 5-a-minute limit when six suites ran side by side.
            username: `not an email ${randomUUID()}`,
            password: PASSWORD,
          }),
          400,
          // The login schema refuses it before any lookup (issue 23, finding 8).
          "invalid_request",
        ],
        [
          "missing username",
          token(base, { grant_type: "password", password: PASSWORD }),
          400,
          "invalid_request",
        ],
        [
          "missing password",
          token(base, { grant_type: "password", username: email }),
          400,
          "invalid_request",
        ],
        [
          "empty password",
          token(base, { grant_type: "password", username: email, password: "" }),
          400,
          "invalid_request",
        ],
        [
          "password over 256 chars",
          token(base, { grant_type: "password", username: email, password: "x".repeat(257) }),
          400,
          "invalid_request",
        ],
        [
          "missing refresh_token",
          token(base, { grant_type: "refresh_token" }),
          400,
          "invalid_request",
        ],
        [
          "unknown refresh_token",
          token(base, { grant_type: "refresh_token", refresh_token: "A".repeat(43) }),
          400,
          "invalid_grant",
        ],
        [
          "oversized refresh_token",
          token(base, { grant_type: "refresh_token", refresh_token: "A".repeat(4000) }),
          400,
          "invalid_grant",
        ],
        [
          "repeated grant_type",
          token(
            base,
            `grant_type=password&grant_type=password&username=${encodeURIComponent(email)}&password=x`,
          ),
          400,
          "invalid_request",
        ],
        [
          "repeated password",
          token(
            base,
            `grant_type=password&username=${encodeURIComponent(email)}&password=a&password=b`,
          ),
          400,
          "invalid_request",
        ],
        [
          "JSON body",
          token(
            base,
            JSON.stringify({ grant_type: "password", username: email, password: PASSWORD }),
            { "content-type": "application/json" },
          ),
          400,
          "invalid_request",
        ],
        [
          "no content type",
          send(`${base}/api/auth/token`, {
            method: "POST",
            body: new TextEncoder().encode("grant_type=password"),
          }),
          400,
          "invalid_request",
        ],
        [
          "credentials in the query string",
          send(`${base}/api/auth/token?grant_type=password&username=a&password=b`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "",
          }),
          400,
          "invalid_request",
        ],
        [
          "invalid UTF-8",
          send(`${base}/api/auth/token`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new Uint8Array([0x67, 0x3d, 0xff, 0xfe]),
          }),
          400,
          "invalid_request",
        ],
        [
          "HTTP Basic client authentication",
          token(
            base,
            { grant_type: "password", username: email, password: PASSWORD },
            { authorization: `Basic ${btoa("cli:secret")}` },
          ),
          401,
          "invalid_client",
        ],
        [
          "client_secret in the body",
          token(base, {
            grant_type: "password",
            username: email,
            password: PASSWORD,
            client_id: "cli",
            client_secret: "s",
          }),
          401,
          "invalid_client",
        ],
      ];
      for (const [name, pending, status, error] of cases) {
        const result = await pending;
        expect
          .soft({ name, status: result.status, error: result.json.error })
          .toEqual({ name, status, error });
        expectOAuthError(result, status, error);
      }
      // The same words whether or not the account exists.
      const wrong = await cases[4]![1];
      const unknown = await cases[5]![1];
      expect(wrong.json).toEqual(unknown.json);
      expect(wrong.json.error_description).toBe("Invalid email or password");
      // RFC 6749 §5.2: 401 with a challenge in the scheme the client tried.
      expect((await cases[20]![1]).headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      // A public client naming itself with client_id alone is fine.
      expect(
        (
          await token(base, {
            grant_type: "password",
            username: email,
            password: PASSWORD,
            client_id: "my-cli",
          })
        ).status,
      ).toBe(200);
    });

    it("refuses other methods and bodies over the size limit", async () => {
      const get = await send(`${base}/api/auth/token`, { method: "GET" });
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
      expect(
        (await send(`${base}/api/auth/revoke`, { method: "PUT", body: "token=x" })).status,
      ).toBe(405);

      const padding = "x".repeat(OAUTH_MAX_BODY_BYTES);
      const big = await token(base, {
        grant_type: "password",
        username: email,
        password: PASSWORD,
        padding,
      });
      expectOAuthError(big, 413, "invalid_request");
      // The same without a Content-Length (chunked): the limit holds while reading.
      const chunked = await send(`${base}/api/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 8; i++)
              controller.enqueue(new TextEncoder().encode(`p${i}=${"y".repeat(4096)}&`));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expectOAuthError(chunked, 413, "invalid_request");
      // The server is still fine afterwards.
      expect((await passwordGrant(base, email)).token_type).toBe("bearer");
    });

    it("revokes a refresh token's whole session (RFC 7009)", async () => {
      const pair = await passwordGrant(base, email);
      const result = await revoke(base, {
        token: pair.refresh_token,
        token_type_hint: "refresh_token",
      });
      expect(result.status).toBe(200);
      expect(result.text).toBe("");
      expect(result.headers.get("cache-control")).toBe("no-store");
      expectOAuthError(
        await token(base, { grant_type: "refresh_token", refresh_token: pair.refresh_token }),
        400,
        "invalid_grant",
      );
      // The session is dead, so is its access token.
      expect((await me(base, pair.access_token)).status).toBe(401);
    });

    it("revokes an access token by its jti only, whatever the hint says", async () => {
      const pair = await passwordGrant(base, email);
      expect((await me(base, pair.access_token)).status).toBe(200);
      const result = await revoke(base, {
        token: pair.access_token,
        token_type_hint: "refresh_token",
      });
      expect(result.status).toBe(200);
      expect(result.text).toBe("");
      expect((await me(base, pair.access_token)).status).toBe(401);
      // The session lives on: its refresh token still rotates to a working access token.
      const rotated = await token(base, {
        grant_type: "refresh_token",
        refresh_token: pair.refresh_token,
      });
      expect(rotated.status).toBe(200);
      expect((await me(base, (rotated.json as unknown as Pair).access_token)).status).toBe(200);
    });

    it("answers 200 for unknown and invalid tokens, 400 when token is missing", async () => {
      const forged = `${btoa('{"alg":"HS256"}').replace(/=+$/, "")}.${btoa('{"sub":"x"}').replace(/=+$/, "")}.c2ln`;
      for (const value of ["A".repeat(43), "not a token", forged, "x".repeat(10_000)]) {
        const result = await revoke(base, { token: value });
        expect({ value: value.slice(0, 20), status: result.status, text: result.text }).toEqual({
          value: value.slice(0, 20),
          status: 200,
          text: "",
        });
      }
      expectOAuthError(
        await revoke(base, { token_type_hint: "access_token" }),
        400,
        "invalid_request",
      );
      expectOAuthError(await revoke(base, { token: "" }), 400, "invalid_request");
      expectOAuthError(await revoke(base, "token=a&token=b"), 400, "invalid_request");
      expectOAuthError(
        await revoke(base, JSON.stringify({ token: "x" }), { "content-type": "application/json" }),
        400,
        "invalid_request",
      );
      const basic = await revoke(
        base,
        { token: "x" },
        { authorization: `Basic ${btoa("cli:secret")}` },
      );
      expectOAuthError(basic, 401, "invalid_client");
      expect(basic.headers.get("www-authenticate")).toMatch(/^Basic /);
    });

    it("serves an empty, cacheable JWKS for HS256", async () => {
      const result = await send(`${base}/.well-known/jwks.json`, {});
      expect(result.status).toBe(200);
      expect(result.json).toEqual({ keys: [] });
      expect(result.headers.get("content-type")).toMatch(/^application\/json/);
      expect(result.headers.get("cache-control")).toBe("public, max-age=300");
      const etag = result.headers.get("etag");
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await send(`${base}/.well-known/jwks.json`, {
        headers: { "if-none-match": etag! },
      });
      expect(again.status).toBe(304);
      expect((await send(`${base}/.well-known/jwks.json?x=1`, {})).status).toBe(200);
      expect((await send(`${base}/.well-known/jwks.json`, { method: "POST" })).status).toBe(405);
      // Exact paths, not prefixes: neighbours are left to the host (404 here, tRPC's answer on
      // the fetch mount).
      for (const [path, method] of [
        ["/.well-known/jwks.json/x", "GET"],
        ["/api/auth/tokens", "POST"],
      ] as const) {
        const neighbour = await send(`${base}${path}`, { method });
        expect(neighbour.status).toBeGreaterThanOrEqual(400);
        expect(neighbour.json).not.toHaveProperty("keys");
        expect(neighbour.json).not.toHaveProperty("error_description");
      }
    });
  },
);

// ---- curl alone ------------------------------------------------------------------------------

async function curl(...args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await execFileAsync("curl", ["-sS", "-w", "\n%{http_code}", ...args]);
  const cut = stdout.lastIndexOf("\n");
  return { body: stdout.slice(0, cut), status: Number(stdout.slice(cut + 1)) };
}

describe.each(["node", "fetch"] as const)("curl alone on the %s mount", (mount) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      database: "pglite",
      store: "database",
      mount,
      db: await shared(),
    });
  });
  afterAll(() => server.close());

  it("registers, gets a token, calls user.me, refreshes and revokes with nothing but curl", async () => {
    const base = server.url;
    const email = uniqueEmail("curl");
    const json = ["-H", "Content-Type: application/json"];
    // curl -H 'Content-Type: application/json' -d '{"email":…,"password":…}' $BASE/api/trpc/auth.register
    const registered = await curl(
      ...json,
      "-d",
      JSON.stringify({ email, password: PASSWORD }),
      `${base}/api/trpc/auth.register`,
    );
    expect(registered.status).toBe(200);

    // curl -d grant_type=password --data-urlencode username=… --data-urlencode password=… $BASE/api/auth/token
    const login = await curl(
      "-d",
      "grant_type=password",
      "--data-urlencode",
      `username=${email}`,
      "--data-urlencode",
      `password=${PASSWORD}`,
      `${base}/api/auth/token`,
    );
    expect(login.status).toBe(200);
    const first = JSON.parse(login.body) as Pair;
    expect(first.token_type).toBe("bearer");

    // curl -H "Authorization: Bearer $ACCESS_TOKEN" $BASE/api/trpc/user.me
    const user = await curl(
      "-H",
      `Authorization: Bearer ${first.access_token}`,
      `${base}/api/trpc/user.me`,
    );
    expect(user.status).toBe(200);
    expect(JSON.parse(user.body)).toMatchObject({ result: { data: { email, role: "user" } } });

    // curl -d grant_type=refresh_token -d refresh_token=$REFRESH_TOKEN $BASE/api/auth/token
    const refresh = await curl(
      "-d",
      "grant_type=refresh_token",
      "-d",
      `refresh_token=${first.refresh_token}`,
      `${base}/api/auth/token`,
    );
    expect(refresh.status).toBe(200);
    const second = JSON.parse(refresh.body) as Pair;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(
      (await curl("-H", `Authorization: Bearer ${second.access_token}`, `${base}/api/trpc/user.me`))
        .status,
    ).toBe(200);

    // curl -d token=$ACCESS_TOKEN $BASE/api/auth/revoke
    const revokedAccess = await curl(
      "-d",
      `token=${second.access_token}`,
      `${base}/api/auth/revoke`,
    );
    expect(revokedAccess).toEqual({ status: 200, body: "" });
    const refused = await curl(
      "-H",
      `Authorization: Bearer ${second.access_token}`,
      `${base}/api/trpc/user.me`,
    );
    expect(refused.status).toBe(401);

    // curl -d token=$REFRESH_TOKEN -d token_type_hint=refresh_token $BASE/api/auth/revoke
    const revokedRefresh = await curl(
      "-d",
      `token=${second.refresh_token}`,
      "-d",
      "token_type_hint=refresh_token",
      `${base}/api/auth/revoke`,
    );
    expect(revokedRefresh).toEqual({ status: 200, body: "" });
    const dead = await curl(
      "-d",
      "grant_type=refresh_token",
      "-d",
      `refresh_token=${second.refresh_token}`,
      `${base}/api/auth/token`,
    );
    expect(dead.status).toBe(400);
    expect(JSON.parse(dead.body)).toMatchObject({ error: "invalid_grant" });

    // curl $BASE/.well-known/jwks.json
    const jwks = await curl(`${base}/.well-known/jwks.json`);
    expect(jwks).toEqual({ status: 200, body: '{"keys":[]}' });
  });
});

// ---- Verifiers in other processes that know only the JWKS URL --------------------------------

/** Run with cwd packages/api so `jose` resolves; prints one verdict per token. */
const JOSE_VERIFIER = `
import { createRemoteJWKSet, jwtVerify } from "jose";
const [jwksUrl, issuer, audience, ...tokens] = process.argv.slice(1);
const jwks = createRemoteJWKSet(new URL(jwksUrl));
const verdicts = [];
for (const token of tokens) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, audience });
    verdicts.push({ ok: true, sub: payload.sub, alg: protectedHeader.alg, kid: protectedHeader.kid });
  } catch (error) {
    verdicts.push({ ok: false, code: error.code ?? String(error) });
  }
}
console.log(JSON.stringify(verdicts));
`;

interface Verdict {
  ok: boolean;
  sub?: string;
  alg?: string;
  kid?: string;
  code?: string;
}

async function verifyElsewhere(jwksUrl: string, tokens: string[]): Promise<Verdict[]> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ["--input-type=module", "-e", JOSE_VERIFIER, jwksUrl, ISSUER, AUDIENCE, ...tokens],
    { cwd: new URL("..", import.meta.url).pathname, timeout: 300_000 },
  );
  return JSON.parse(stdout) as Verdict[];
}

/** The same claims with `role` raised to admin and the original signature kept. */
function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<
    string,
    unknown
  >;
  claims.role = "admin";
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
}

const subjectOf = (jwt: string) => (decodeJwt(jwt) as { sub: string }).sub;
const pkcs8 = (key: KeyObject) => key.export({ format: "pem", type: "pkcs8" }).toString();
const asymmetric = {
  Ed25519: { alg: "EdDSA", kty: "OKP", generate: () => generateKeyPairSync("ed25519") },
  RSA: {
    alg: "RS256",
    kty: "RSA",
    generate: () => generateKeyPairSync("rsa", { modulusLength: 2048 }),
  },
} as const;

describe.each(["Ed25519", "RSA"] as const)("asymmetric signing with an %s key", (kind) => {
  let server: TestServer;
  let base: string;
  let pair: Pair;
  let sub: string;
  beforeAll(async () => {
    const { privateKey } = asymmetric[kind].generate();
    server = await startTestServer({
      database: "pglite",
      store: "database",
      db: await shared(),
      env: { AUTH_PRIVATE_KEY: pkcs8(privateKey) },
    });
    base = server.url;
    const email = await register(base);
    pair = await passwordGrant(base, email);
    sub = subjectOf(pair.access_token);
  });
  afterAll(() => server.close());

  it("publishes the public key with kid, alg and use, and nothing private", async () => {
    const result = await send(`${base}/.well-known/jwks.json`, {});
    expect(result.status).toBe(200);
    expect(result.headers.get("cache-control")).toBe("public, max-age=300");
    const { keys } = result.json as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      kty: asymmetric[kind].kty,
      kid: server.app.auth.keys.signing.kid,
      alg: asymmetric[kind].alg,
      use: "sig",
    });
    for (const field of ["d", "p", "q", "dp", "dq", "qi"])
      expect(keys[0]).not.toHaveProperty(field);
    expect(decodeProtectedHeader(pair.access_token)).toMatchObject({
      alg: asymmetric[kind].alg,
      kid: keys[0]!.kid,
    });
  });

  it("is verified by a separate process that knows only the JWKS URL, which rejects tampering", async () => {
    const [good, tampered, none] = await verifyElsewhere(`${base}/.well-known/jwks.json`, [
      pair.access_token,
      tamper(pair.access_token),
      // alg "none" with our kid: an unsigned token.
      `${Buffer.from(JSON.stringify({ alg: "none", kid: server.app.auth.keys.signing.kid })).toString("base64url")}.${pair.access_token.split(".")[1]}.`,
    ]);
    expect(good).toEqual({
      ok: true,
      sub,
      alg: asymmetric[kind].alg,
      kid: server.app.auth.keys.signing.kid,
    });
    expect(tampered).toMatchObject({ ok: false, code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
    expect(none).toMatchObject({ ok: false });
    // And our own API refuses the tampered one too.
    expect((await me(base, tamper(pair.access_token))).status).toBe(401);
  });
});

// ---- Python verifiers (Debian's python3 with python3-jose and python3-jwt) -------------------

const PYTHON = "/usr/bin/python3";
const PYTHON_VERIFIER = `
import json, sys, urllib.request
mode, secret_or_url, issuer, audience, *tokens = sys.argv[1:]
def verify(token):
    if mode == "jose-hs256":
        from jose import jwt
        return jwt.decode(token, secret_or_url, algorithms=["HS256"], audience=audience, issuer=issuer)
    if mode == "pyjwt-hs256":
        import jwt
        return jwt.decode(token, secret_or_url, algorithms=["HS256"], audience=audience, issuer=issuer)
    if mode == "jose-jwks":
        from jose import jwt
        jwks = json.load(urllib.request.urlopen(secret_or_url))
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in jwks["keys"] if k["kid"] == kid)
        return jwt.decode(token, key, algorithms=["RS256"], audience=audience, issuer=issuer, options={"leeway": 5})
    if mode == "pyjwt-jwks":
        import jwt
        key = jwt.PyJWKClient(secret_or_url).get_signing_key_from_jwt(token)
        return jwt.decode(token, key.key, algorithms=["EdDSA", "RS256"], audience=audience, issuer=issuer, leeway=5)
    raise SystemExit("unknown mode")
out = []
for token in tokens:
    try:
        out.append({"ok": True, "sub": verify(token)["sub"]})
    except Exception as error:
        out.append({"ok": False, "error": type(error).__name__})
print(json.dumps(out))
`;

async function pythonReady(): Promise<boolean> {
  try {
    await execFileAsync(PYTHON, ["-c", "import jose, jwt, cryptography"]);
    return true;
  } catch {
    if (IN_CI)
      throw new Error(
        `${PYTHON} with python3-jose and python3-jwt is required in CI (apt-get install python3-jose python3-jwt)`,
      );
    console.warn(
      `${PYTHON} with python3-jose/python3-jwt missing: the Python verifier tests are skipped outside CI.`,
    );
    return false;
  }
}

async function verifyInPython(mode: string, keyOrUrl: string, tokens: string[]) {
  const { stdout } = await execFileAsync(
    PYTHON,
    ["-c", PYTHON_VERIFIER, mode, keyOrUrl, ISSUER, AUDIENCE, ...tokens],
    { timeout: 300_000 },
  );
  return JSON.parse(stdout) as { ok: boolean; sub?: string; error?: string }[];
}

describe.runIf(await pythonReady())("verification from Python (python-jose, PyJWT)", () => {
  const servers: TestServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  async function tokenFrom(env: Record<string, string>) {
    const server = await startTestServer({
      database: "pglite",
      store: "database",
      db: await shared(),
      env,
    });
    servers.push(server);
    const pair = await passwordGrant(server.url, await register(server.url));
    return { server, accessToken: pair.access_token, sub: subjectOf(pair.access_token) };
  }

  it("verifies HS256 with the AUTH_SECRET string, as python-jose and PyJWT take it", async () => {
    const { accessToken, sub } = await tokenFrom({});
    for (const mode of ["jose-hs256", "pyjwt-hs256"]) {
      expect(await verifyInPython(mode, TEST_SECRET, [accessToken, tamper(accessToken)])).toEqual([
        { ok: true, sub },
        { ok: false, error: expect.any(String) },
      ]);
      // A rotated-away secret is the seed's "401 after SECRET_KEY rotation": refused, never crashes.
      expect((await verifyInPython(mode, "0".repeat(64), [accessToken]))[0]?.ok).toBe(false);
    }
  });

  it("verifies RS256 and EdDSA from the JWKS URL", async () => {
    const rsa = await tokenFrom({ AUTH_PRIVATE_KEY: pkcs8(asymmetric.RSA.generate().privateKey) });
    const rsaJwks = `${rsa.server.url}/.well-known/jwks.json`;
    for (const mode of ["jose-jwks", "pyjwt-jwks"]) {
      expect(
        await verifyInPython(mode, rsaJwks, [rsa.accessToken, tamper(rsa.accessToken)]),
      ).toEqual([
        { ok: true, sub: rsa.sub },
        { ok: false, error: expect.any(String) },
      ]);
    }
    // python-jose 3.3 has no EdDSA; PyJWT does.
    const ed = await tokenFrom({
      AUTH_PRIVATE_KEY: pkcs8(asymmetric.Ed25519.generate().privateKey),
    });
    expect(
      await verifyInPython("pyjwt-jwks", `${ed.server.url}/.well-known/jwks.json`, [
        ed.accessToken,
        tamper(ed.accessToken),
      ]),
    ).toEqual([
      { ok: true, sub: ed.sub },
      { ok: false, error: expect.any(String) },
    ]);
  });
});

// ---- Key rotation without mass logout, over HTTP ---------------------------------------------

const HS_A = "a3f1c9e27b5d4086f1e2d3c4b5a69788a3f1c9e27b5d4086f1e2d3c4b5a69788";
const HS_B = "5b7e0d2c9a4f1836e5d4c3b2a1f0e9d85b7e0d2c9a4f1836e5d4c3b2a1f0e9d8";

interface RotationKey {
  env: Record<string, string>;
  /** This key as an AUTH_PREVIOUS_KEYS entry. */
  previous: string;
}

function hsKey(secret: string): RotationKey {
  return { env: { AUTH_SECRET: secret }, previous: secret };
}
function asymmetricKey(kind: keyof typeof asymmetric): RotationKey {
  const { privateKey, publicKey } = asymmetric[kind].generate();
  return {
    env: { AUTH_PRIVATE_KEY: pkcs8(privateKey) },
    previous: publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

// Within a family of keys (docs/verifying-tokens.md); HS256 ↔ private key is a cut-over, tested
// with the leaked-key runbook in signing-keys.test.ts.
const rotations: [string, () => RotationKey, () => RotationKey][] = [
  ["HS256 → HS256", () => hsKey(HS_A), () => hsKey(HS_B)],
  ["Ed25519 → RSA", () => asymmetricKey("Ed25519"), () => asymmetricKey("RSA")],
  ["RSA → Ed25519", () => asymmetricKey("RSA"), () => asymmetricKey("Ed25519")],
];

describe.each(rotations)("key rotation %s over HTTP on one database", (_name, makeA, makeB) => {
  const serve = async (env: Record<string, string>) =>
    startTestServer({ database: "pglite", store: "database", db: await shared(), env });
  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

  it("keeps A's tokens valid with A in AUTH_PREVIOUS_KEYS, signs with B, and drops A when removed", async () => {
    const a = makeA();
    const b = makeB();

    // 1. A signs.
    const first = await serve(a.env);
    const email = await register(first.url);
    const before = await passwordGrant(first.url, email);
    const kidA = first.app.auth.keys.signing.kid;
    expect(kidOf(before.access_token)).toBe(kidA);
    await first.close();

    // 2. B signs, A verifies: nobody is logged out.
    const second = await serve({ ...b.env, AUTH_PREVIOUS_KEYS: JSON.stringify([a.previous]) });
    const kidB = second.app.auth.keys.signing.kid;
    // Public keys are named by their thumbprints, HS256 secrets by nothing (auth's keys.ts).
    expect(new Set([kidA, kidB]).size).toBe("AUTH_SECRET" in b.env ? 1 : 2);
    expect((await me(second.url, before.access_token)).status).toBe(200);
    const rotated = await token(second.url, {
      grant_type: "refresh_token",
      refresh_token: before.refresh_token,
    });
    expect(rotated.status).toBe(200);
    const during = rotated.json as unknown as Pair;
    expect(kidOf(during.access_token)).toBe(kidB);
    expect((await me(second.url, during.access_token)).status).toBe(200);
    const fresh = await passwordGrant(second.url, email);
    expect(kidOf(fresh.access_token)).toBe(kidB);
    // The JWKS lists every asymmetric key that verifies, so remote verifiers follow the rotation.
    const jwks = (await send(`${second.url}/.well-known/jwks.json`, {})).json as {
      keys: { kid: string }[];
    };
    const published = jwks.keys.map((k) => k.kid);
    const asymmetricA = !("AUTH_SECRET" in a.env);
    const asymmetricB = !("AUTH_SECRET" in b.env);
    expect(published).toEqual([...(asymmetricB ? [kidB] : []), ...(asymmetricA ? [kidA] : [])]);
    if (asymmetricA && asymmetricB) {
      const verdicts = await verifyElsewhere(`${second.url}/.well-known/jwks.json`, [
        before.access_token,
        during.access_token,
      ]);
      expect(verdicts.map((v) => [v.ok, v.kid])).toEqual([
        [true, kidA],
        [true, kidB],
      ]);
    }
    await second.close();

    // 3. A removed: A's tokens are refused with the usual 401, B's keep working.
    const third = await serve(b.env);
    const refused = await me(third.url, before.access_token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe("Bearer");
    expect((await me(third.url, during.access_token)).status).toBe(200);
    expect((await me(third.url, fresh.access_token)).status).toBe(200);
    await third.close();
  });
});

// ---- Failure mapping: store down, rate limits, bugs ------------------------------------------

describe("OAuth2 endpoints when things fail", () => {
  it("fails closed with 503 temporarily_unavailable when the revocation store is unreachable", async () => {
    const server = await startTestServer({
      database: "pglite",
      store: "upstash",
      db: await shared(),
    });
    try {
      const pair = await passwordGrant(server.url, await register(server.url));
      await server.upstash!.close();
      const result = await revoke(server.url, { token: pair.access_token });
      expectOAuthError(result, 503, "temporarily_unavailable");
      expect(result.headers.get("retry-after")).toBe("1");
      // Never accepted meanwhile.
      expect((await me(server.url, pair.access_token)).status).toBe(503);
    } finally {
      await server.close();
    }
  });

  it("answers 429 slow_down with Retry-After once the login and refresh limits are reached", async () => {
    const server = await startTestServer({
      database: "pglite",
      store: "database",
      db: await shared(),
      // Behind a trusted proxy: this test's own client address, whatever else used the database.
      env: { RATE_LIMIT_LOGIN_ACCOUNT: "2/1m", RATE_LIMIT_REFRESH_IP: "3/1m", TRUST_PROXY: "true" },
    });
    try {
      const email = await register(server.url);
      const wrong = { grant_type: "password", username: email, password: "not the password" };
      expectOAuthError(await token(server.url, wrong), 400, "invalid_grant");
      expectOAuthError(await token(server.url, wrong), 400, "invalid_grant");
      const limited = await token(server.url, wrong);
      expectOAuthError(limited, 429, "slow_down");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // Even the right password waits: the account is locked for the window, not the guess.
      expectOAuthError(await token(server.url, { ...wrong, password: PASSWORD }), 429, "slow_down");

      const other = await register(server.url);
      const pair = await passwordGrant(server.url, other);
      let refresh = pair.refresh_token;
      // The proxy (this test, on 127.0.0.1) appends the address it saw.
      const proxy = {
        "x-forwarded-for": `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`,
      };
      for (let i = 0; i < 3; i++) {
        const rotated = await token(
          server.url,
          { grant_type: "refresh_token", refresh_token: refresh },
          proxy,
        );
        expect(rotated.status).toBe(200);
        refresh = (rotated.json as unknown as Pair).refresh_token;
      }
      const blocked = await token(
        server.url,
        { grant_type: "refresh_token", refresh_token: refresh },
        proxy,
      );
      expectOAuthError(blocked, 429, "slow_down");
      expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await server.close();
    }
  });

  function stubbed(error: Error, onError: (e: unknown) => void = () => undefined) {
    const reject = () => Promise.reject(error);
    const deps: GrantDeps = {
      auth: {
        sessions: {
          login: reject,
          refresh: reject,
          revokeAccessToken: reject,
          revokeRefreshToken: reject,
        },
        mfa: { verify: reject },
      },
      onError,
    };
    const handlers = createGrantHandlers(deps);
    return {
      token: (request: Request) => handlers.token(request, {}),
      revoke: (request: Request) => handlers.revoke(request, {}),
    };
  }
  const form = (path: string, body: string) =>
    new Request(`http://app.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });

  async function asResult(response: Response): Promise<FormResult> {
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  it("maps RATE_LIMITED to 429 with Retry-After on both endpoints", async () => {
    const handlers = stubbed(new AuthError("RATE_LIMITED", { retryAfterSeconds: 6.2 }));
    for (const response of [
      await handlers.token(
        form("/api/auth/token", "grant_type=password&username=a%40example.com&password=secret12"),
      ),
      await handlers.token(form("/api/auth/token", "grant_type=refresh_token&refresh_token=abc")),
      await handlers.revoke(form("/api/auth/revoke", "token=abc")),
    ]) {
      const result = await asResult(response);
      expectOAuthError(result, 429, "slow_down");
      expect(result.headers.get("retry-after")).toBe("7");
    }
  });

  it("maps UNAVAILABLE to 503 and unexpected errors to 500 server_error without details", async () => {
    expectOAuthError(
      await asResult(
        await stubbed(new AuthError("UNAVAILABLE")).token(
          form("/api/auth/token", "grant_type=refresh_token&refresh_token=abc"),
        ),
      ),
      503,
      "temporarily_unavailable",
    );
    const seen: unknown[] = [];
    const bug = new Error("connection string postgresql://user:hunter2@db");
    const result = await asResult(
      await stubbed(bug, (e) => seen.push(e)).token(
        form("/api/auth/token", "grant_type=password&username=a%40example.com&password=secret12"),
      ),
    );
    expectOAuthError(result, 500, "server_error");
    expect(result.text).not.toContain("hunter2");
    expect(seen).toEqual([bug]);
  });
});
