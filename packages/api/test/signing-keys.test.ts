/**
 * Issue 23, findings 1 and 12 (keys): what a signing or verification key lets an attacker do,
 * against real servers.
 *
 * - A weak or published `AUTH_PREVIOUS_KEYS` entry let any user mint an admin token with their
 *   own `sub`, `sid` and `ver` and promote themselves: such a configuration no longer starts.
 * - A leaked signing key is replaced at once, with no previous key: access tokens it signed die,
 *   and every client recovers by refreshing (refresh tokens are opaque), nobody is logged out.
 * - A correctly signed token without `jti` is refused.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
} from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";

import { ConfigError } from "@authkit/config";
import { createTestDatabase, databaseKinds, type DatabaseKind } from "@authkit/db/testing";

import {
  call,
  cookieFrom,
  LogCapture,
  quickDatabase,
  registerAndLogin,
  startTestServer,
  TEST_SECRET,
  type SignedIn,
} from "./harness";
import { startServerProcess, type ServerProcess } from "./server-process";

const ISSUER = "http://app.test";
const AUDIENCE = "web";
/** The FastAPI tutorial's example key: 64 random hex digits that every attacker has read. */
const FASTAPI_TUTORIAL_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
const kinds = await databaseKinds();

const secret = () => randomBytes(32).toString("hex");
const ed25519Pem = () =>
  generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();

/**
 * The kid the old code derived from an HS256 secret in public code (SHA-256 of "kid:" + secret):
 * what let a forged token find its way to the weak key. Today HS256 tokens carry no kid.
 */
const legacyKid = (key: string) =>
  `hs-${createHash("sha256").update(`kid:${key}`).digest("base64url").slice(0, 16)}`;

/** An access token with these claims, HS256-signed with `key`, shaped exactly like ours. */
function forge(claims: JWTPayload, key: string, header: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT", ...header })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(key));
}

/** The user's own `sub`, `sid`, `ver` and `jti`, with the role the attacker wants. */
function asAdmin(user: SignedIn): JWTPayload {
  const { sub, sid, ver, jti } = decodeJwt(user.accessToken);
  return { sub, sid, ver, jti, role: "admin" };
}

// ---- Finding 1: a previous key as weak as "a" made anyone an admin ---------------------------

describe("a weak or published AUTH_PREVIOUS_KEYS entry", () => {
  const weakKeys: [string, string, Record<string, string>][] = [
    ["the one-character key 'a'", "a", {}],
    ["the FastAPI tutorial's key", FASTAPI_TUTORIAL_KEY, {}],
    ["a placeholder", "replace-me-with-a-long-random-string-0123456789", {}],
    [
      "the FastAPI tutorial's key beside an EdDSA signing key",
      FASTAPI_TUTORIAL_KEY,
      { AUTH_PRIVATE_KEY: ed25519Pem() },
    ],
  ];

  it.each(weakKeys)(
    "%s: the server refuses to start, so no forged admin token ever reaches admin.setRole",
    async (_, weakKey, signing) => {
      // A user of a server signing with a strong key…
      const db = await createTestDatabase(await quickDatabase());
      try {
        const first = await startTestServer({
          database: "pglite",
          store: "database",
          db,
          env: signing,
        });
        const user = await registerAndLogin(first.url);
        await first.close();
        // …mints an admin token with their own sub, sid and ver, signed with the weak key…
        const forged = await forge(asAdmin(user), weakKey, { kid: legacyKid(weakKey) });
        // …and the operator restarts with that key among the previous ones. The attack, had the
        // server started: the forged token promotes its bearer.
        const outcome = await startTestServer({
          database: "pglite",
          store: "database",
          db,
          env: { ...signing, AUTH_PREVIOUS_KEYS: JSON.stringify([secret(), weakKey]) },
        }).then(
          async (server) => {
            const promoted = await call(server.url, "mutation", "admin.setRole", {
              token: forged,
              input: { userId: user.userId, role: "admin" },
            });
            const row = await db.prisma.user.findUniqueOrThrow({ where: { id: user.userId } });
            await server.close();
            return { started: true, setRole: promoted.status, role: row.role };
          },
          (error: unknown) => error,
        );
        expect(outcome, `started with the weak key: ${JSON.stringify(outcome)}`).toBeInstanceOf(
          ConfigError,
        );
        const problems = (outcome as ConfigError).problems;
        expect(problems).toContainEqual(expect.stringMatching(/^AUTH_PREVIOUS_KEYS\[1\]: /));
        expect(problems.join("\n")).not.toContain(FASTAPI_TUTORIAL_KEY);
        const row = await db.prisma.user.findUniqueOrThrow({ where: { id: user.userId } });
        expect(row.role).toBe("user");
      } finally {
        await db.destroy();
      }
    },
  );

  it("refuses a strong HS256 previous key while a private key signs (one family of keys verifies)", async () => {
    const db = await createTestDatabase(await quickDatabase());
    const outcome = await startTestServer({
      database: "pglite",
      store: "database",
      db,
      env: { AUTH_PRIVATE_KEY: ed25519Pem(), AUTH_PREVIOUS_KEYS: JSON.stringify([secret()]) },
    })
      .then(
        async (server) => {
          await server.close();
          return { started: true };
        },
        (error: unknown) => error,
      )
      .finally(() => db.destroy());
    expect(outcome).toBeInstanceOf(ConfigError);
    expect((outcome as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^AUTH_PREVIOUS_KEYS\[0\]: an HS256 secret cannot verify while AUTH_PRIVATE_KEY signs/,
      ),
    ]);
  });

  it("logs every verification key's kid, algorithm and variable at start, never a secret", async () => {
    const capture = new LogCapture();
    const previous = secret();
    const server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: { LOG_LEVEL: "info", AUTH_PREVIOUS_KEYS: JSON.stringify([previous]) },
      logDestination: capture,
    });
    try {
      const keys = capture.lines.filter((line) => line.msg === "verification key");
      expect(keys.map(({ kid, alg, source }) => ({ kid, alg, source }))).toEqual([
        { kid: undefined, alg: "HS256", source: "AUTH_SECRET" },
        { kid: undefined, alg: "HS256", source: "AUTH_PREVIOUS_KEYS[0]" },
      ]);
      expect(capture.text).not.toContain(TEST_SECRET);
      expect(capture.text).not.toContain(previous);
    } finally {
      await server.close();
    }

    const pem = ed25519Pem();
    const older = generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" });
    const asymmetric = new LogCapture();
    const signed = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: {
        LOG_LEVEL: "info",
        AUTH_PRIVATE_KEY: pem,
        AUTH_PREVIOUS_KEYS: JSON.stringify([older]),
      },
      logDestination: asymmetric,
    });
    try {
      const kids = signed.app.auth.keys.verification.map((key) => key.kid);
      expect(kids).toHaveLength(2);
      expect(
        asymmetric.lines
          .filter((line) => line.msg === "verification key")
          .map(({ kid, alg, source }) => ({ kid, alg, source })),
      ).toEqual([
        { kid: kids[0], alg: "EdDSA", source: "AUTH_PRIVATE_KEY" },
        { kid: kids[1], alg: "EdDSA", source: "AUTH_PREVIOUS_KEYS[0]" },
      ]);
      expect(asymmetric.text).not.toContain("PRIVATE KEY");
    } finally {
      await signed.close();
    }
  });
});

// ---- Finding 12: a token without jti ---------------------------------------------------------

describe("a correctly signed token without jti", () => {
  it("is refused, while the same token with its jti is accepted", async () => {
    const server = await startTestServer({ database: await quickDatabase(), store: "database" });
    try {
      const user = await registerAndLogin(server.url);
      const { sub, sid, ver, role, jti, auth_time, amr } = decodeJwt(user.accessToken);
      const me = (token: string) => call(server.url, "query", "user.me", { token });
      const claims = { sub, sid, ver, role, auth_time, amr };
      // The control: signed by us, with the user's real claims, it works…
      expect((await me(await forge({ ...claims, jti }, TEST_SECRET))).status).toBe(200);
      // …and without a jti (nothing to deny-list, nothing to revoke by RFC 7009) it does not.
      const refused = await me(await forge(claims, TEST_SECRET));
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe("Bearer");
      for (const jtiLike of ["", "not-a-uuid", 42] as unknown[])
        expect(
          (await me(await forge({ ...claims, jti: jtiLike } as JWTPayload, TEST_SECRET)))
            .status,
        ).toBe(401);
    } finally {
      await server.close();
    }
  });
});

// ---- Finding 12: the runbook for a leaked signing key (docs/security.md) ---------------------

type KeyKind = "HS256" | "EdDSA";
/** The environment that makes a fresh key of this kind sign, alone. */
const freshKey: Record<KeyKind, () => Record<string, string>> = {
  HS256: () => ({ AUTH_SECRET: secret() }),
  EdDSA: () => ({ AUTH_SECRET: "", AUTH_PRIVATE_KEY: ed25519Pem() }),
};

const runbookCases: [DatabaseKind, KeyKind, KeyKind][] = kinds.flatMap(
  (kind): [DatabaseKind, KeyKind, KeyKind][] =>
    kind === "pglite"
      ? [["pglite", "HS256", "HS256"]]
      : [
          ["postgresql", "HS256", "HS256"],
          ["postgresql", "EdDSA", "EdDSA"],
          // Switching algorithms is the same cut-over (docs/verifying-tokens.md).
          ["postgresql", "HS256", "EdDSA"],
        ],
);

describe.each(runbookCases)(
  "a leaked signing key replaced at once on %s (%s key A → %s key B, no previous key)",
  (kind, keyA, keyB) => {
    it("refuses A's access tokens and lets every session refresh into B's, logging nobody out", async () => {
      const db = kind === "postgresql" ? await createTestDatabase("postgresql") : undefined;
      const storage: Record<string, string> = db
        ? { DATABASE_URL: db.url! }
        : { DATA_DIR: mkdtempSync(join(tmpdir(), "authkit-runbook-")) };
      const envA = { ...storage, ...freshKey[keyA]() };
      const envB = { ...storage, ...freshKey[keyB]() };
      let server: ServerProcess | undefined;
      try {
        // Before: sessions under A, a browser (cookie) and an OAuth client (refresh token).
        server = await startServerProcess(envA);
        const browser = await registerAndLogin(server.url);
        const client = await passwordGrant(server.url, browser.email, browser.password);
        const sessionsBefore = await sessionIds(server.url, browser.accessToken);
        expect(sessionsBefore).toHaveLength(2);
        await server.stop();

        // The runbook: restart every instance with B alone.
        server = await startServerProcess(envB);
        const url = server.url;
        // A's access tokens are refused: whoever holds A can no longer mint anything we accept.
        expect((await call(url, "query", "user.me", { token: browser.accessToken })).status).toBe(
          401,
        );
        expect((await call(url, "query", "user.me", { token: client.access_token })).status).toBe(
          401,
        );

        // Every client recovers by refreshing: new tokens, signed with B.
        const refreshed = await call<{ accessToken: string }>(url, "mutation", "auth.refresh", {
          cookie: browser.cookie,
        });
        expect(refreshed.status).toBe(200);
        expect(cookieFrom(refreshed)).not.toBeNull();
        const grant = await tokenRequest(url, {
          grant_type: "refresh_token",
          refresh_token: client.refresh_token,
        });
        expect(grant.status).toBe(200);
        const rotated = (await grant.json()) as { access_token: string };
        for (const token of [refreshed.data.accessToken, rotated.access_token]) {
          await expectSignedBy(token, envB, envA);
          expect((await call(url, "query", "user.me", { token })).status).toBe(200);
        }
        // Nobody was logged out: the same two sessions, still alive.
        expect(await sessionIds(url, refreshed.data.accessToken)).toEqual(sessionsBefore);
      } finally {
        await server?.stop();
        await db?.destroy();
      }
      // Two server processes (and, embedded, a migration) on a machine others share.
    }, 300_000);
  },
);

async function passwordGrant(base: string, email: string, password: string) {
  const response = await tokenRequest(base, { grant_type: "password", username: email, password });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string };
}

function tokenRequest(base: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${base}/api/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

async function sessionIds(base: string, token: string): Promise<string[]> {
  const list = await call<{ id: string }[]>(base, "query", "session.list", { token });
  expect(list.status).toBe(200);
  return list.data.map((session) => session.id).sort();
}

/** The token verifies with B's key (as a remote verifier would) and not with A's. */
async function expectSignedBy(
  token: string,
  keyB: Record<string, string>,
  keyA: Record<string, string>,
): Promise<void> {
  const verifyWith = async (env: Record<string, string>) => {
    const key = env.AUTH_PRIVATE_KEY
      ? createPublicKey(createPrivateKey(env.AUTH_PRIVATE_KEY))
      : new TextEncoder().encode(env.AUTH_SECRET);
    return jwtVerify(token, key, { issuer: ISSUER, audience: AUDIENCE }).then(
      () => true,
      () => false,
    );
  };
  expect(decodeProtectedHeader(token).alg).toBe(keyB.AUTH_PRIVATE_KEY ? "EdDSA" : "HS256");
  expect(await verifyWith(keyB)).toBe(true);
  expect(await verifyWith(keyA)).toBe(false);
}
