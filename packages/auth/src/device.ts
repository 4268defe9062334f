import { createHmac, timingSafeEqual } from "node:crypto";

import type { Random } from "./random";

/**
 * OWASP's "device cookies": a browser that signed in to an account gets a token that proves it,
 * bound to that account by a MAC. Its login failures count against the token, not the account,
 * so an attacker guessing from elsewhere cannot lock the owner out, while clients without one
 * still meet the per-account limit.
 */
export interface DeviceTokens {
  /** A fresh token for the account (its key: see `accountKey`), to set after a successful login. */
  issue(accountKey: string): string;
  /** The token's id when it is ours and for this account; null for anything else. */
  verify(token: string | null | undefined, accountKey: string): string | null;
}

const NONCE_BYTES = 16;
const MAX_TOKEN_LENGTH = 128;

export function createDeviceTokens(key: Buffer, random: Random): DeviceTokens {
  const mac = (accountKey: string, nonce: string) =>
    createHmac("sha256", key).update(`${accountKey}.${nonce}`).digest();
  return {
    issue(accountKey) {
      const nonce = random.token(NONCE_BYTES);
      return `${nonce}.${mac(accountKey, nonce).toString("base64url")}`;
    },
    verify(token, accountKey) {
      if (!token || token.length > MAX_TOKEN_LENGTH) return null;
      const [nonce, signature, extra] = token.split(".");
      if (!nonce || !signature || extra !== undefined) return null;
      const expected = mac(accountKey, nonce);
      const given = Buffer.from(signature, "base64url");
      return given.length === expected.length && timingSafeEqual(given, expected) ? nonce : null;
    },
  };
}
