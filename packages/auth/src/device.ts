import { createHmac, timingSafeEqual } from "node:crypto";

import type { Clock } from "./clock";
import type { Random } from "./random";

/**
 * OWASP's "device cookies": a browser that signed in to an account gets a token that proves it,
 * bound to that account by a MAC. Its login failures count against the token, not the account,
 * so an attacker guessing from elsewhere cannot lock the owner out, while clients without one
 * still meet the per-account limit.
 *
 * A token vouches for a browser that knew the account's credentials, so it lives no longer
 * than they do: it carries the account's credential epoch (raised by every password change,
 * reset or disable) and its issue time, both under the MAC. A token of an older epoch, or older
 * than DEVICE_COOKIE_MAX_AGE, is a fresh client again, whatever the browser kept.
 */
export interface DeviceTokens {
  /** A fresh token for the account (its key: see `accountKey`) at its credential epoch. */
  issue(accountKey: string, credentialEpoch: number): string;
  /**
   * What the token claims when it is ours, for this account and not too old; null for anything
   * else. The caller compares `credentialEpoch` with the account's current one.
   */
  read(token: string | null | undefined, accountKey: string): DeviceClaim | null;
}

export interface DeviceClaim {
  /** The token's own id: the key its login failures are counted under. */
  id: string;
  credentialEpoch: number;
}

export interface DeviceTokenOptions {
  random: Random;
  clock: Clock;
  /** DEVICE_COOKIE_MAX_AGE: a token issued longer ago than this is refused. */
  maxAgeSeconds: number;
}

const NONCE_BYTES = 16;
const MAX_TOKEN_LENGTH = 128;
/** `<nonce>.<issued at, seconds, base 36>.<credential epoch>.<MAC>` */
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{1,43})\.([0-9a-z]{1,12})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/;

export function createDeviceTokens(key: Buffer, options: DeviceTokenOptions): DeviceTokens {
  const { random, clock, maxAgeSeconds } = options;
  const mac = (accountKey: string, nonce: string, issuedAt: string, epoch: string) =>
    createHmac("sha256", key).update(`${accountKey}.${nonce}.${issuedAt}.${epoch}`).digest();
  return {
    issue(accountKey, credentialEpoch) {
      const nonce = random.token(NONCE_BYTES);
      const issuedAt = Math.floor(clock.now() / 1000).toString(36);
      const epoch = String(credentialEpoch);
      return `${nonce}.${issuedAt}.${epoch}.${mac(accountKey, nonce, issuedAt, epoch).toString("base64url")}`;
    },
    read(token, accountKey) {
      if (!token || token.length > MAX_TOKEN_LENGTH) return null;
      const match = TOKEN_SHAPE.exec(token);
      if (!match) return null;
      const [, nonce = "", issuedAt = "", epoch = "", signature = ""] = match;
      const expected = mac(accountKey, nonce, issuedAt, epoch);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      // The cookie's Max-Age is the browser's business; this is ours.
      if (clock.now() / 1000 - parseInt(issuedAt, 36) > maxAgeSeconds) return null;
      return { id: nonce, credentialEpoch: Number(epoch) };
    },
  };
}
