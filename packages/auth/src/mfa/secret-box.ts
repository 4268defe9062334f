/**
 * TOTP secrets at rest: AES-256-GCM under MFA_ENCRYPTION_KEY (or, unset, a key derived from the
 * signing key), so a database dump alone cannot mint codes. The sealed text is
 * `v1.<iv>.<ciphertext+tag>` (base64url); the factor's id is the associated data, so a secret
 * copied into another row does not open there. Previous keys only open: a factor opened with one
 * is sealed again under the current key on its next use (see ./totp-factor-store).
 */
import { createCipheriv, createDecipheriv, hkdfSync } from "node:crypto";

import type { Random } from "../random";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  seal(plain: Uint8Array, boundTo: string): string;
  /** The secret, and whether it was sealed under a previous key (seal it again); null if no key opens it. */
  open(sealed: string, boundTo: string): { plain: Uint8Array; stale: boolean } | null;
}

/** 32 bytes for AES-256 from a configured key string (any high-entropy text). */
export const encryptionKeyFrom = (text: string): Buffer =>
  Buffer.from(hkdfSync("sha256", Buffer.from(text, "utf8"), "authkit", "mfa-secret-box", 32));

/** `keys[0]` seals; every key opens, in order. */
export function createSecretBox(random: Random, keys: Buffer[]): SecretBox {
  const [current] = keys;
  if (!current || keys.some((key) => key.length !== 32))
    throw new Error("the MFA secret box needs 32-byte keys");
  return {
    seal(plain, boundTo) {
      const iv = Buffer.from(random.token(IV_BYTES), "base64url");
      const cipher = createCipheriv("aes-256-gcm", current, iv).setAAD(Buffer.from(boundTo));
      const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${iv.toString("base64url")}.${body.toString("base64url")}`;
    },
    open(sealed, boundTo) {
      const [version, ivText, bodyText] = sealed.split(".");
      if (version !== VERSION || !ivText || !bodyText) return null;
      const iv = Buffer.from(ivText, "base64url");
      const body = Buffer.from(bodyText, "base64url");
      if (iv.length !== IV_BYTES || body.length <= TAG_BYTES) return null;
      for (const [index, key] of keys.entries()) {
        const plain = tryOpen(key, iv, body, boundTo);
        if (plain) return { plain, stale: index > 0 };
      }
      return null;
    },
  };
}

function tryOpen(key: Buffer, iv: Buffer, body: Buffer, boundTo: string): Uint8Array | null {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(boundTo));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    // Wrong key (or a tampered row): the tag does not verify.
    return null;
  }
}
