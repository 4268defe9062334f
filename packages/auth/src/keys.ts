import {
  hkdfSync,
  createPrivateKey,
  createPublicKey,
  webcrypto,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";

import { calculateJwkThumbprint, type CryptoKey, type JWK } from "jose";

import { isSharedSecret, secretProblem } from "@authkit/config";

export type SigningAlgorithm = "HS256" | "EdDSA" | "RS256";

export interface VerificationKey {
  /**
   * The RFC 7638 thumbprint of an asymmetric key; none for an HS256 secret. A kid computed from
   * a secret by public code would let anyone who sees it (in a token, a log line, a dashboard)
   * test guesses of the secret offline without a single request; HS256 tokens carry no kid and
   * are tried against each configured secret instead (the signing one first).
   */
  kid: string | undefined;
  alg: SigningAlgorithm;
  key: CryptoKey | KeyObject;
  /** Where the key was configured: `AUTH_SECRET`, `AUTH_PRIVATE_KEY` or `AUTH_PREVIOUS_KEYS[i]`. */
  source: string;
  /** Public JWK for the JWKS endpoint; absent for shared secrets. */
  publicJwk?: JWK;
}

export interface SigningKey extends VerificationKey {
  signingKey: CryptoKey | KeyObject;
}

export interface KeySet {
  signing: SigningKey;
  /** Every key that verifies, the signing key first, then `AUTH_PREVIOUS_KEYS` in order. */
  verification: readonly VerificationKey[];
  jwks: { keys: JWK[] };
  /**
   * A 256-bit key for another purpose (e.g. signing device cookies), derived with HKDF from the
   * signing key's secret material: nothing more to configure, and it changes when the key does.
   */
  deriveSecret(purpose: string): Buffer;
}

export class KeyConfigError extends Error {
  readonly code = "KEY_INVALID";
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = "KeyConfigError";
  }
}

/**
 * Imports every key once, at start-up: a secret re-imported per verify costs 1.7x more.
 * The HS256 secret is used as its UTF-8 bytes, as PyJWT, python-jose and jsonwebtoken do.
 *
 * The configuration checks the same rules first (packages/config); they are enforced here too,
 * so no caller can build a key set that verifies with a weak secret or a second kind of key.
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
    signing = await importSecret(auth.secret, "AUTH_SECRET");
    material = Buffer.from(auth.secret, "utf8");
  } else {
    throw new KeyConfigError("AUTH_SECRET", "no signing key configured");
  }
  const verification: VerificationKey[] = [signing];
  const seenSecrets = new Set(auth.privateKey ? [] : [auth.secret]);
  for (const [index, text] of auth.previousKeys.entries()) {
    const variable = `AUTH_PREVIOUS_KEYS[${index}]`;
    if (isSharedSecret(text) && seenSecrets.has(text.trim())) continue;
    const key = await importVerificationKey(text, variable);
    assertSameFamily(signing, key, variable);
    if (isSharedSecret(text)) seenSecrets.add(text.trim());
    else if (verification.some((known) => known.kid === key.kid)) continue;
    verification.push(key);
  }
  const jwks = { keys: verification.flatMap((k) => (k.publicJwk ? [k.publicJwk] : [])) };
  const deriveSecret = (purpose: string) =>
    Buffer.from(hkdfSync("sha256", material, "authkit", purpose, 32));
  return { signing, verification, jwks, deriveSecret };
}

/**
 * The keys that may have signed a token with this header: for HS256 every configured secret
 * (the signing one first; any kid is ignored, see VerificationKey.kid), otherwise the one key
 * its kid names, and only if that key's algorithm is the one the header claims. Never a key of
 * another algorithm: no HS256-with-a-public-key, no `none`.
 */
export function keysFor(
  keys: KeySet,
  header: { alg?: string | undefined; kid?: unknown },
): VerificationKey[] {
  // RFC 7515 §4.1.4: a kid is a string. Anything else is no token of ours, whatever its signature.
  if (header.kid !== undefined && typeof header.kid !== "string") return [];
  if (header.alg === "HS256") return keys.verification.filter((key) => key.alg === "HS256");
  if (header.kid === undefined) return [];
  return keys.verification.filter((key) => key.kid === header.kid && key.alg === header.alg);
}

/**
 * Secrets verify only beside a secret, public keys only beside a private key (EdDSA and RS256
 * may follow each other: a public key mints nothing). See docs/verifying-tokens.md.
 */
function assertSameFamily(signing: SigningKey, key: VerificationKey, variable: string): void {
  if ((signing.alg === "HS256") === (key.alg === "HS256")) return;
  throw new KeyConfigError(
    variable,
    signing.alg === "HS256"
      ? "a public key cannot verify while AUTH_SECRET signs (HS256): only HS256 secrets may be previous keys"
      : `an HS256 secret cannot verify while AUTH_PRIVATE_KEY signs (${signing.alg}): whoever holds it could still mint tokens`,
  );
}

async function importSecret(secret: string, variable: string): Promise<SigningKey> {
  // The configuration refused these already; a key set built any other way is held to it too.
  const problem = secretProblem(secret);
  if (problem) throw new KeyConfigError(variable, problem);
  const key = await webcrypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  return { kid: undefined, alg: "HS256", key, signingKey: key, source: variable };
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
  return { kid, alg, key: publicKey, publicJwk, signingKey: privateKey, source: variable };
}

async function importVerificationKey(text: string, variable: string): Promise<VerificationKey> {
  const trimmed = text.trim();
  if (isSharedSecret(trimmed)) return importSecret(trimmed, variable);
  const isPrivate = /PRIVATE KEY-----/.test(trimmed) || /"d"\s*:/.test(trimmed);
  const publicKey = isPrivate
    ? createPublicKey(parseKeyObject(trimmed, variable, "private"))
    : parseKeyObject(trimmed, variable, "public");
  const { kid, alg, publicJwk } = await describePublic(publicKey, variable);
  return { kid, alg, key: publicKey, publicJwk, source: variable };
}
