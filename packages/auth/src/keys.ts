import {
  createHash,
  hkdfSync,
  createPrivateKey,
  createPublicKey,
  webcrypto,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";

import { calculateJwkThumbprint, type CryptoKey, type JWK } from "jose";

export type SigningAlgorithm = "HS256" | "EdDSA" | "RS256";

export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  key: CryptoKey | KeyObject;
  /** Public JWK for the JWKS endpoint; absent for shared secrets. */
  publicJwk?: JWK;
}

export interface SigningKey extends VerificationKey {
  signingKey: CryptoKey | KeyObject;
}

export interface KeySet {
  signing: SigningKey;
  /** Every key that verifies, by `kid`: the signing key and `AUTH_PREVIOUS_KEYS`. */
  verification: ReadonlyMap<string, VerificationKey>;
  jwks: { keys: JWK[] };
  /**
   * A 256-bit key for another purpose (e.g. signing device cookies), derived with HKDF from the
   * signing key's secret material: nothing more to configure, and it changes when the key does.
   */
  deriveSecret(purpose: string): Buffer;
}

export class KeyConfigError extends Error {
  readonly code = "KEY_INVALID";
  constructor(variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = "KeyConfigError";
  }
}

/**
 * Imports every key once, at start-up: a secret re-imported per verify costs 1.7x more.
 * The HS256 secret is used as its UTF-8 bytes, as PyJWT, python-jose and jsonwebtoken do.
 */
export async function loadKeySet(auth: {
  secret: string | undefined;
  privateKey: string | undefined;
  previousKeys: string[];
}): Promise<KeySet> {
  let signing: SigningKey;
  let material: Buffer;
  if (auth.privateKey) {
    signing = await importPrivate(auth.privateKey, "AUTH_PRIVATE_KEY");
    material = (signing.signingKey as KeyObject).export({ format: "der", type: "pkcs8" });
  } else if (auth.secret) {
    signing = await importSecret(auth.secret);
    material = Buffer.from(auth.secret, "utf8");
  } else {
    throw new KeyConfigError("AUTH_SECRET", "no signing key configured");
  }
  const verification = new Map<string, VerificationKey>([[signing.kid, signing]]);
  for (const [index, text] of auth.previousKeys.entries()) {
    const key = await importVerificationKey(text, `AUTH_PREVIOUS_KEYS[${index}]`);
    if (!verification.has(key.kid)) verification.set(key.kid, key);
  }
  const jwks = {
    keys: [...verification.values()].flatMap((k) => (k.publicJwk ? [k.publicJwk] : [])),
  };
  const deriveSecret = (purpose: string) =>
    Buffer.from(hkdfSync("sha256", material, "authkit", purpose, 32));
  return { signing, verification, jwks, deriveSecret };
}

async function importSecret(secret: string): Promise<SigningKey> {
  const key = await webcrypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  // A digest of a 256-bit secret reveals nothing about it, and names it stably across processes.
  const kid = `hs-${createHash("sha256").update(`kid:${secret}`).digest("base64url").slice(0, 16)}`;
  return { kid, alg: "HS256", key, signingKey: key };
}

function algorithmOf(key: KeyObject, variable: string): "EdDSA" | "RS256" {
  if (key.asymmetricKeyType === "ed25519") return "EdDSA";
  if (key.asymmetricKeyType === "rsa") {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new KeyConfigError(variable, "RSA keys must have at least 2048 bits");
    }
    return "RS256";
  }
  throw new KeyConfigError(
    variable,
    `unsupported key type ${key.asymmetricKeyType ?? "unknown"}; use Ed25519 or RSA`,
  );
}

function parseKeyObject(text: string, variable: string, kind: "private" | "public"): KeyObject {
  let trimmed = text.trim();
  // A PEM squeezed onto one env line (`-----BEGIN…-----\nMC4C…`, as dashboards and .env files
  // store it) has literal backslash-n separators: restore the line breaks.
  if (trimmed.startsWith("-----BEGIN") && !trimmed.includes("\n") && trimmed.includes("\\n")) {
    trimmed = trimmed.replaceAll("\\n", "\n");
  }
  try {
    if (trimmed.startsWith("{")) {
      const jwk = JSON.parse(trimmed) as JsonWebKey;
      return kind === "private"
        ? createPrivateKey({ key: jwk, format: "jwk" })
        : createPublicKey({ key: jwk, format: "jwk" });
    }
    return kind === "private" ? createPrivateKey(trimmed) : createPublicKey(trimmed);
  } catch {
    throw new KeyConfigError(variable, `not a valid ${kind} key (expected PKCS#8/SPKI PEM or JWK)`);
  }
}

async function describePublic(publicKey: KeyObject, variable: string) {
  const alg = algorithmOf(publicKey, variable);
  const exported = publicKey.export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(exported);
  const publicJwk: JWK = { ...exported, kid, alg, use: "sig" };
  return { kid, alg, publicJwk };
}

async function importPrivate(text: string, variable: string): Promise<SigningKey> {
  const privateKey = parseKeyObject(text, variable, "private");
  const publicKey = createPublicKey(privateKey);
  const { kid, alg, publicJwk } = await describePublic(publicKey, variable);
  return { kid, alg, key: publicKey, publicJwk, signingKey: privateKey };
}

async function importVerificationKey(text: string, variable: string): Promise<VerificationKey> {
  const trimmed = text.trim();
  const looksAsymmetric = trimmed.startsWith("-----BEGIN") || trimmed.startsWith("{");
  if (!looksAsymmetric) return importSecret(trimmed);
  const isPrivate = /PRIVATE KEY-----/.test(trimmed) || /"d"\s*:/.test(trimmed);
  const publicKey = isPrivate
    ? createPublicKey(parseKeyObject(trimmed, variable, "private"))
    : parseKeyObject(trimmed, variable, "public");
  const { kid, alg, publicJwk } = await describePublic(publicKey, variable);
  return { kid, alg, key: publicKey, publicJwk };
}
