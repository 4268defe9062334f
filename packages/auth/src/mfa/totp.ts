/**
 * TOTP (RFC 6238) as every authenticator app speaks it: HOTP (RFC 4226, HMAC-SHA-1) over 30 s
 * steps, 6 digits. The step comes from the injected clock, never from the library's own
 * `Date.now()`, so tests walk time instead of waiting for it.
 */
import { encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";
import { createTOTPKeyURI, generateHOTP, verifyHOTP } from "@oslojs/otp";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps of clock drift accepted either side of the current one. */
export const TOTP_DRIFT_STEPS = 1;
/** 160 bits: the HMAC-SHA-1 key size RFC 4226 recommends. */
export const TOTP_SECRET_BYTES = 20;

/** The 30-second step a moment falls in (RFC 6238's T). */
export const totpStep = (nowMs: number): number => Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);

/** The code for one step. */
export const totpCode = (key: Uint8Array, step: number, digits = TOTP_DIGITS): string =>
  generateHOTP(key, BigInt(step), digits);

/**
 * The step within the drift window that `code` is the code for, newest first, or null. Codes
 * are compared in constant time by the library.
 */
export function matchingStep(key: Uint8Array, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const current = totpStep(nowMs);
  for (let offset = TOTP_DRIFT_STEPS; offset >= -TOTP_DRIFT_STEPS; offset--) {
    const step = current + offset;
    if (verifyHOTP(key, BigInt(step), TOTP_DIGITS, code)) return step;
  }
  return null;
}

/** The key for manual entry: base32, as authenticator apps take it. */
export const base32Secret = (key: Uint8Array): string => encodeBase32UpperCaseNoPadding(key);

/** `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`. */
export const totpUri = (issuer: string, account: string, key: Uint8Array): string =>
  createTOTPKeyURI(issuer, account, key, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
