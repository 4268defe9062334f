import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";

import { calculateJwkThumbprint, decodeProtectedHeader, SignJWT, type JWK } from "jose";
import { describe, expect, it } from "vitest";

import { AccessTokens } from "../src/access-token";
import type { Clock } from "../src/clock";
import { isAuthError } from "../src/errors";
import { KeyConfigError, loadKeySet, type KeySet } from "../src/keys";

const ISSUER = "http://localhost:3000";
const AUDIENCE = "web";
const clock: Clock = { now: () => Date.UTC(2026, 10, 23, 12) };
const claims = {
  sub: "0b6f3c1e-7d2a-4e5b-9c8d-1a2b3c4d5e6f",
  jti: "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b",
  sid: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
  role: "user" as const,
  ver: 0,
  // Signed in well before any token in these tests is issued.
  auth_time: Math.floor(Date.UTC(2026, 0, 1) / 1000),
  amr: ["pwd" as const],
};

// ---- Keys generated here, in every format an operator may paste into the environment --------

const secret = () => randomBytes(32).toString("hex");
const pkcs8 = (key: KeyObject) => key.export({ format: "pem", type: "pkcs8" }).toString();
const spki = (key: KeyObject) => key.export({ format: "pem", type: "spki" }).toString();
const ed25519 = () => generateKeyPairSync("ed25519");
const rsa = (modulusLength = 2048) => generateKeyPairSync("rsa", { modulusLength });

/** The key's RFC 7638 thumbprint, computed independently of loadKeySet. */
const thumbprint = (publicKey: KeyObject) =>
  calculateJwkThumbprint(publicKey.export({ format: "jwk" }));

interface KeyMaterial {
  /** What goes into AUTH_SECRET or AUTH_PRIVATE_KEY. */
  config: { secret?: string; privateKey?: string };
  /** The same key as an AUTH_PREVIOUS_KEYS entry (asymmetric: the public key, verify-only). */
  previous: string;
  alg: "HS256" | "EdDSA" | "RS256";
}

const flavours: Record<string, () => KeyMaterial> = {
  "HS256 secret": () => {
    const s = secret();
    return { config: { secret: s }, previous: s, alg: "HS256" };
  },
  "Ed25519 key": () => {
    const { privateKey, publicKey } = ed25519();
    return { config: { privateKey: pkcs8(privateKey) }, previous: spki(publicKey), alg: "EdDSA" };
  },
  "RSA key": () => {
    const { privateKey, publicKey } = rsa();
    return { config: { privateKey: pkcs8(privateKey) }, previous: spki(publicKey), alg: "RS256" };
  },
};

function load(current: KeyMaterial, previous: KeyMaterial[] = []): Promise<KeySet> {
  return loadKeySet({
    secret: current.config.secret,
    privateKey: current.config.privateKey,
    previousKeys: previous.map((k) => k.previous),
  });
}

const tokensFor = (keys: KeySet) =>
  new AccessTokens({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlSeconds: 900,
    clockToleranceSeconds: 5,
    clock,
    cacheSize: 0,
  });

async function rejected(work: Promise<unknown>): Promise<boolean> {
  const error: unknown = await work.then(
    () => null,
    (e: unknown) => e,
  );
  return isAuthError(error, "UNAUTHENTICATED");
}

async function configError(work: Promise<unknown>): Promise<KeyConfigError> {
  const error: unknown = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyConfigError);
  return error as KeyConfigError;
}

// ---- loadKeySet ------------------------------------------------------------------------------

describe("loadKeySet", () => {
  it("gives an HS256 secret no kid (nothing computed from the secret is ever shown) and publishes nothing", async () => {
    const a = secret();
    const keys = await loadKeySet({ secret: a, privateKey: undefined, previousKeys: [] });
    expect(keys.signing).toMatchObject({ alg: "HS256", kid: undefined, source: "AUTH_SECRET" });
    expect(keys.jwks).toEqual({ keys: [] });
  });

  it("signs with EdDSA from an Ed25519 PKCS#8 PEM, kid = RFC 7638 thumbprint, public JWK only", async () => {
    const { privateKey, publicKey } = ed25519();
    const keys = await loadKeySet({
      secret: secret(),
      privateKey: pkcs8(privateKey),
      previousKeys: [],
    });
    const kid = await thumbprint(publicKey);
    expect(keys.signing).toMatchObject({ alg: "EdDSA", kid });
    const x = (publicKey.export({ format: "jwk" }) as JWK).x;
    expect(keys.jwks.keys).toEqual([
      { kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" },
    ]);
    // The AUTH_SECRET that is also set neither signs nor verifies: the private key wins.
    expect(keys.verification.map((k) => k.kid)).toEqual([kid]);
  });

  it("signs with RS256 from an RSA PKCS#8 PEM and publishes n and e only", async () => {
    const { privateKey, publicKey } = rsa();
    const keys = await loadKeySet({
      secret: undefined,
      privateKey: pkcs8(privateKey),
      previousKeys: [],
    });
    const jwk = publicKey.export({ format: "jwk" }) as JWK;
    expect(keys.signing).toMatchObject({ alg: "RS256", kid: await thumbprint(publicKey) });
    expect(keys.jwks.keys).toEqual([
      { kty: "RSA", n: jwk.n, e: jwk.e, kid: keys.signing.kid, alg: "RS256", use: "sig" },
    ]);
  });

  it("accepts the same key as a JWK, as a PKCS#1 PEM and as a one-line PEM with literal \\n", async () => {
    const { privateKey, publicKey } = rsa();
    const kid = await thumbprint(publicKey);
    const forms = [
      JSON.stringify(privateKey.export({ format: "jwk" })),
      privateKey.export({ format: "pem", type: "pkcs1" }).toString(),
      pkcs8(privateKey).trim().replaceAll("\n", "\\n"),
      `  ${pkcs8(privateKey)}\n\n`,
    ];
    for (const form of forms) {
      const keys = await loadKeySet({ secret: undefined, privateKey: form, previousKeys: [] });
      expect(keys.signing.kid).toBe(kid);
    }
    const ed = ed25519();
    const fromJwk = await loadKeySet({
      secret: undefined,
      privateKey: JSON.stringify(ed.privateKey.export({ format: "jwk" })),
      previousKeys: [],
    });
    expect(fromJwk.signing).toMatchObject({ alg: "EdDSA", kid: await thumbprint(ed.publicKey) });
  });

  it("refuses weak, unsupported and malformed keys, naming the variable and never echoing the key", async () => {
    const weak = await configError(
      loadKeySet({ secret: undefined, privateKey: pkcs8(rsa(1024).privateKey), previousKeys: [] }),
    );
    expect(weak.message).toMatch(/^AUTH_PRIVATE_KEY: RSA keys must have at least 2048 bits/);

    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const unsupported = await configError(
      loadKeySet({ secret: undefined, privateKey: pkcs8(ec.privateKey), previousKeys: [] }),
    );
    expect(unsupported.message).toMatch(/^AUTH_PRIVATE_KEY: unsupported key type ec/);

    const garbage =
      "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----";
    const malformed = await configError(
      loadKeySet({ secret: undefined, privateKey: garbage, previousKeys: [] }),
    );
    expect(malformed.message).toMatch(/^AUTH_PRIVATE_KEY: not a valid private key/);
    expect(malformed.message).not.toContain("bm90IGEga2V5");

    const badPrevious = await configError(
      loadKeySet({
        secret: secret(),
        privateKey: undefined,
        previousKeys: [secret(), '{"kty":"OKP"}'],
      }),
    );
    expect(badPrevious.message).toMatch(/^AUTH_PREVIOUS_KEYS\[1\]: /);

    await configError(loadKeySet({ secret: undefined, privateKey: undefined, previousKeys: [] }));
  });

  it("adds AUTH_PREVIOUS_KEYS as verify-only keys and publishes their public halves", async () => {
    const current = ed25519();
    const oldEd = ed25519();
    const oldRsa = rsa();
    const keys = await loadKeySet({
      secret: undefined,
      privateKey: pkcs8(current.privateKey),
      previousKeys: [
        spki(oldEd.publicKey),
        // A private key pasted here is reduced to its public half: it can never sign again.
        pkcs8(oldRsa.privateKey),
        // The current key listed again (half-finished rotation) is not duplicated.
        spki(current.publicKey),
      ],
    });
    const currentKid = await thumbprint(current.publicKey);
    expect(keys.signing.kid).toBe(currentKid);
    const oldKids = [await thumbprint(oldEd.publicKey), await thumbprint(oldRsa.publicKey)];
    expect(keys.verification.map((k) => [k.kid, k.alg, k.source])).toEqual([
      [currentKid, "EdDSA", "AUTH_PRIVATE_KEY"],
      [oldKids[0], "EdDSA", "AUTH_PREVIOUS_KEYS[0]"],
      [oldKids[1], "RS256", "AUTH_PREVIOUS_KEYS[1]"],
    ]);
    // JWKS: every asymmetric key that verifies, current first.
    expect(keys.jwks.keys.map((k) => [k.kid, k.alg])).toEqual([
      [currentKid, "EdDSA"],
      [oldKids[0], "EdDSA"],
      [oldKids[1], "RS256"],
    ]);
    for (const jwk of keys.jwks.keys) {
      for (const field of ["d", "p", "q", "dp", "dq", "qi", "k"])
        expect(jwk).not.toHaveProperty(field);
      expect(jwk.use).toBe("sig");
    }
    // A public key reconstructed from the JWKS is the same key.
    const rebuilt = createPublicKey({ key: keys.jwks.keys[2] as JsonWebKey, format: "jwk" });
    expect(rebuilt.equals(oldRsa.publicKey)).toBe(true);
  });

  it("adds previous HS256 secrets beside an HS256 signing secret, each once, and never in the JWKS", async () => {
    const current = secret();
    const old = secret();
    const keys = await loadKeySet({
      secret: current,
      privateKey: undefined,
      previousKeys: [old, ` ${current} `, old],
    });
    expect(keys.verification.map((k) => [k.kid, k.alg, k.source])).toEqual([
      [undefined, "HS256", "AUTH_SECRET"],
      [undefined, "HS256", "AUTH_PREVIOUS_KEYS[0]"],
    ]);
    expect(keys.jwks).toEqual({ keys: [] });
  });
});

// ---- Issue 23, finding 1: a previous key must be as strong as the signing key -----------------

/** The FastAPI tutorial's example key: 64 random hex digits that every attacker has read. */
const FASTAPI_TUTORIAL_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

describe("loadKeySet refuses a previous key that would let anyone mint tokens", () => {
  const weak: [string, string, RegExp][] = [
    ["two characters", "zq", /at least 32 characters/],
    ["a short random string", randomBytes(8).toString("hex"), /at least 32 characters/],
    ["a 32-character password", "correct-horse-battery-staple-123", /256 bits of entropy/],
    ["the FastAPI tutorial's key", FASTAPI_TUTORIAL_KEY, /FastAPI tutorial/],
    ["the same in capitals", FASTAPI_TUTORIAL_KEY.toUpperCase(), /FastAPI tutorial/],
    ["jwt.io's example key", "your-256-bit-secret", /jwt\.io/],
    ["a placeholder", "please-change-me-0123456789abcdefghijklmnopqrstuvwxyz", /placeholder/],
  ];

  it.each(weak)("%s, naming AUTH_PREVIOUS_KEYS[i] and never the key", async (_, key, reason) => {
    const error = await configError(
      loadKeySet({ secret: secret(), privateKey: undefined, previousKeys: [secret(), key] }),
    );
    expect(error.variable).toBe("AUTH_PREVIOUS_KEYS[1]");
    expect(error.message).toMatch(/^AUTH_PREVIOUS_KEYS\[1\]: /);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain(key);
    expect(error.message.toLowerCase()).not.toContain(key.toLowerCase());
  });

  it("holds AUTH_SECRET to the same rules", async () => {
    const error = await configError(
      loadKeySet({ secret: FASTAPI_TUTORIAL_KEY, privateKey: undefined, previousKeys: [] }),
    );
    expect(error.message).toMatch(/^AUTH_SECRET: is the FastAPI tutorial's example key/);
  });

  it("refuses an HS256 secret, however strong, while a private key signs", async () => {
    for (const { privateKey } of [ed25519(), rsa()]) {
      const error = await configError(
        loadKeySet({ secret: undefined, privateKey: pkcs8(privateKey), previousKeys: [secret()] }),
      );
      expect(error.message).toMatch(
        /^AUTH_PREVIOUS_KEYS\[0\]: an HS256 secret cannot verify while AUTH_PRIVATE_KEY signs/,
      );
    }
  });

  it("refuses a public key while an HS256 secret signs", async () => {
    const error = await configError(
      loadKeySet({
        secret: secret(),
        privateKey: undefined,
        previousKeys: [spki(ed25519().publicKey)],
      }),
    );
    expect(error.message).toMatch(
      /^AUTH_PREVIOUS_KEYS\[0\]: a public key cannot verify while AUTH_SECRET signs/,
    );
  });

  it("accepts no token signed with a refused key's secret under any header", async () => {
    // Signing with EdDSA and a verifier that knows no secret: an HS256 token is refused whatever
    // kid it names, the current key's included (no key of that algorithm exists to try).
    const { privateKey } = ed25519();
    const keys = await loadKeySet({
      secret: undefined,
      privateKey: pkcs8(privateKey),
      previousKeys: [],
    });
    const forged = await new SignJWT({ ...claims, role: "admin" })
      .setProtectedHeader({ alg: "HS256", kid: keys.signing.kid, typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .setExpirationTime(Math.floor(clock.now() / 1000) + 600)
      .sign(new TextEncoder().encode(FASTAPI_TUTORIAL_KEY));
    expect(await rejected(tokensFor(keys).verify(forged))).toBe(true);
  });
});

// ---- Rotation without mass logout ------------------------------------------------------------

// Rotations within a family: secrets follow secrets, public keys follow public keys (between
// HS256 and a private key there is no overlap: see the refusals above and the runbook in
// docs/verifying-tokens.md).
const pairs: [string, string][] = [
  ["HS256 secret", "HS256 secret"],
  ["Ed25519 key", "Ed25519 key"],
  ["RSA key", "RSA key"],
  ["Ed25519 key", "RSA key"],
  ["RSA key", "Ed25519 key"],
];

describe.each(pairs)("rotation from an %s (A) to an %s (B)", (from, to) => {
  it("keeps A's tokens valid while A is a previous key, signs with B, and drops A when removed", async () => {
    const a = flavours[from]!();
    const b = flavours[to]!();

    // Before: A signs.
    const before = await load(a);
    const { token: tokenA } = await tokensFor(before).sign(claims);
    const kidA = before.signing.kid;
    expect(decodeProtectedHeader(tokenA)).toEqual({
      alg: a.alg,
      typ: "JWT",
      ...(kidA ? { kid: kidA } : {}),
    });

    // During: B signs, A still verifies (AUTH_PREVIOUS_KEYS=A).
    const during = await load(b, [a]);
    const tokens = tokensFor(during);
    expect(await tokens.verify(tokenA)).toMatchObject(claims);
    const { token: tokenB } = await tokens.sign(claims);
    if (b.alg !== "HS256") expect(during.signing.kid).not.toBe(kidA);
    expect(decodeProtectedHeader(tokenB).kid).toBe(during.signing.kid);
    expect(await tokens.verify(tokenB)).toMatchObject(claims);
    // A verifier that still runs the old configuration does not accept B's tokens (a rolling
    // deploy would 401 at random)...
    expect(await rejected(tokensFor(before).verify(tokenB))).toBe(true);
    // ...so B is first published as a previous key while A still signs, then swapped in.
    const prepublished = tokensFor(await load(a, [b]));
    expect(await prepublished.verify(tokenB)).toMatchObject(claims);
    expect(decodeProtectedHeader((await prepublished.sign(claims)).token).kid).toBe(kidA);

    // After: A removed; its tokens die, B's live on.
    const after = tokensFor(await load(b));
    expect(await rejected(after.verify(tokenA))).toBe(true);
    expect(await after.verify(tokenB)).toMatchObject(claims);
  });
});

// A kid names an asymmetric key and fixes its algorithm (HS256 tokens name no key: keys.ts).
describe.each(pairs.filter(([from]) => from !== "HS256 secret"))(
  "a token signed by %s's successor (%s) relabelled as A",
  (from, to) => {
    it("never accepts B's signature under A's name", async () => {
      const a = flavours[from]!();
      const b = flavours[to]!();
      const keys = await load(b, [a]);
      const { token } = await tokensFor(keys).sign(claims);
      // B's signature under A's kid and algorithm: the key they name does not verify it.
      const [header, payload, signature] = token.split(".") as [string, string, string];
      const relabelled = JSON.parse(Buffer.from(header, "base64url").toString()) as Record<
        string,
        unknown
      >;
      relabelled.kid = keys.verification[1]!.kid;
      relabelled.alg = a.alg;
      const forged = `${Buffer.from(JSON.stringify(relabelled)).toString("base64url")}.${payload}.${signature}`;
      expect(await rejected(tokensFor(keys).verify(forged))).toBe(true);
    });
  },
);
