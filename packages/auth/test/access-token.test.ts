import { generateKeyPairSync } from "node:crypto";

import { base64url, decodeProtectedHeader, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";

import { AccessTokens } from "../src/access-token";
import type { Clock } from "../src/clock";
import { isAuthError } from "../src/errors";
import { loadKeySet } from "../src/keys";

const SECRET = "4b9e2d7a1c6f3e8b5a0d9c2f7e4b1a6d3c8f5e2b9a7d4c1f6e3b8a5d2c9f7e4b";
const ISSUER = "http://localhost:3000";
const AUDIENCE = "web";

class FrozenClock implements Clock {
  constructor(public ms = Date.UTC(2026, 10, 23, 12)) {}
  now = () => this.ms;
}

async function setup({
  secret = SECRET,
  previousKeys = [] as string[],
  privateKey = undefined as string | undefined,
} = {}) {
  const clock = new FrozenClock();
  const keys = await loadKeySet({ secret, privateKey, previousKeys });
  const tokens = new AccessTokens({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlSeconds: 900,
    clockToleranceSeconds: 5,
    clock,
  });
  return { clock, keys, tokens };
}

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

async function expectUnauthenticated(work: Promise<unknown>) {
  const error: unknown = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAuthError(error, "UNAUTHENTICATED")).toBe(true);
}

/** Signs arbitrary claims/headers with our real secret, to test what verify checks beyond the signature. */
async function forge(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key: Uint8Array = new TextEncoder().encode(SECRET),
) {
  const { keys } = await setup();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", kid: keys.signing.kid, typ: "JWT", ...header })
    .sign(key);
}

const now = () => Math.floor(new FrozenClock().ms / 1000);
const valid = () => ({ ...claims, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 900 });

describe("AccessTokens", () => {
  it("signs the claims and header of docs/api.md and verifies them", async () => {
    const { tokens, keys } = await setup();
    const { token } = await tokens.sign(claims);
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map(
        (part) =>
          JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Record<string, unknown>,
      );
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(keys.signing.kid).toBeUndefined();
    expect(payload).toEqual({
      ...claims,
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now(),
      exp: now() + 900,
    });
    expect(await tokens.verify(token)).toMatchObject(claims);
  });

  it("uses the secret's UTF-8 bytes, as every JWT library does with a string secret", async () => {
    const { tokens } = await setup();
    const token = await forge(valid());
    expect(await tokens.verify(token)).toMatchObject(claims);
  });

  it("refuses a token past exp + leeway, and accepts one within the leeway", async () => {
    const { tokens, clock } = await setup();
    const { token } = await tokens.sign(claims);
    clock.ms += 904 * 1000;
    expect(await tokens.verify(token)).toMatchObject(claims);
    clock.ms += 2 * 1000;
    await expectUnauthenticated(tokens.verify(token));
  });

  it("expires cached tokens too", async () => {
    const { tokens, clock } = await setup();
    const { token } = await tokens.sign(claims);
    await tokens.verify(token);
    clock.ms += 3600 * 1000;
    await expectUnauthenticated(tokens.verify(token));
  });

  it("accepts a token issued slightly in the future (device clocks drift) but not far", async () => {
    const { tokens } = await setup();
    await tokens.verify(await forge({ ...valid(), iat: now() + 4 }));
    await expectUnauthenticated(tokens.verify(await forge({ ...valid(), iat: now() + 60 })));
    await expectUnauthenticated(tokens.verify(await forge({ ...valid(), nbf: now() + 60 })));
  });

  it.each([
    ["wrong issuer", { iss: "https://evil.example" }],
    ["wrong audience", { aud: "other" }],
    ["missing sub", { sub: undefined }],
    ["non-uuid sub", { sub: "admin" }],
    ["missing sid", { sid: undefined }],
    ["unknown role", { role: "root" }],
    ["negative version", { ver: -1 }],
    ["missing exp", { exp: undefined }],
  ])("refuses a token with %s", async (_, override) => {
    const { tokens } = await setup();
    await expectUnauthenticated(tokens.verify(await forge({ ...valid(), ...override })));
  });

  it("refuses alg none, another algorithm, an unknown kid and a forged signature", async () => {
    const { tokens } = await setup();
    const unsecured = new UnsecuredJWT(valid()).encode();
    await expectUnauthenticated(tokens.verify(unsecured));
    await expectUnauthenticated(tokens.verify(await forge(valid(), { alg: "HS512" })));
    const otherSecret = new TextEncoder().encode(SECRET.replace("4", "5"));
    await expectUnauthenticated(tokens.verify(await forge(valid(), {}, otherSecret)));
    // An HS256 token's kid names nothing (keys.ts): whatever it says, only a configured secret's
    // signature counts.
    for (const kid of ["../../etc/passwd", "hs-legacy", undefined]) {
      await expectUnauthenticated(tokens.verify(await forge(valid(), { kid }, otherSecret)));
      expect(await tokens.verify(await forge(valid(), { kid }))).toMatchObject(claims);
    }
  });

  it("signs HS256 without a kid: nothing in a token or a log line is computed from the secret", async () => {
    const { tokens, keys } = await setup();
    const { token } = await tokens.sign(claims);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });
    expect(keys.signing.kid).toBeUndefined();
  });

  it("refuses a tampered payload", async () => {
    const { tokens } = await setup();
    const { token } = await tokens.sign(claims);
    const [h, , s] = token.split(".");
    const tampered = base64url.encode(JSON.stringify({ ...valid(), role: "admin" }));
    await expectUnauthenticated(tokens.verify(`${h}.${tampered}.${s}`));
  });

  it("refuses garbage and oversized input before parsing", async () => {
    const { tokens } = await setup();
    for (const garbage of ["", "abc", "a.b", "a.b.c.d", "é.é.é", `${"a".repeat(5000)}.b.c`]) {
      await expectUnauthenticated(tokens.verify(garbage));
    }
  });

  it("refuses HS256 signed with the RSA public key when RS256 is configured (algorithm confusion)", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const { tokens, keys } = await setup({ privateKey: pem });
    expect(keys.signing.alg).toBe("RS256");
    const { token } = await tokens.sign(claims);
    expect(await tokens.verify(token)).toMatchObject(claims);
    const confused = await new SignJWT(valid())
      .setProtectedHeader({ alg: "HS256", kid: keys.signing.kid, typ: "JWT" })
      .sign(new TextEncoder().encode(publicPem));
    await expectUnauthenticated(tokens.verify(confused));
  });

  it("evicts the oldest cached token when full", async () => {
    const clock = new FrozenClock();
    const keys = await loadKeySet({ secret: SECRET, privateKey: undefined, previousKeys: [] });
    const tokens = new AccessTokens({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      ttlSeconds: 900,
      clockToleranceSeconds: 5,
      clock,
      cacheSize: 2,
    });
    const signed = await Promise.all([1, 2, 3].map(() => tokens.sign(claims)));
    for (const { token } of signed) await tokens.verify(token);
    // Still verifies after eviction: the cache saves work, it never decides.
    for (const { token } of signed) expect(await tokens.verify(token)).toMatchObject(claims);
  });
});
