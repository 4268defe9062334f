/**
 * An authenticator app for tests: the codes of a base32 key, by RFC 6238 step, with the same
 * library (and parameters) as the server: HMAC-SHA-1, 30 s steps, 6 digits.
 *
 * A server refuses a code for a step it has already accepted (RFC 6238 §5.2) and accepts one
 * step of drift either side. So a test never waits for the clock: `nextCode` gives the code of
 * the first step after the last one used that the server still accepts now.
 */
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";

const PERIOD_SECONDS = 30;
const DIGITS = 6;

/** The RFC 6238 step (T) a moment falls in. */
export const totpStep = (nowMs: number) => Math.floor(nowMs / 1000 / PERIOD_SECONDS);

export class Authenticator {
  private readonly key: Uint8Array;
  private lastStep = -1;

  /** `secret` as a page shows it for manual entry (spaces between groups are fine). */
  constructor(secret: string) {
    this.key = decodeBase32IgnorePadding(secret.replace(/\s+/g, "").toUpperCase());
  }

  codeAt(step: number): string {
    return generateHOTP(this.key, BigInt(step), DIGITS);
  }

  /**
   * A code the server has not seen: the current step's, or when that one is spent, the next
   * step's (inside the server's +1 drift window). Throws rather than wait if both are spent.
   */
  nextCode(nowMs = Date.now()): string {
    const step = Math.max(totpStep(nowMs), this.lastStep + 1);
    if (step > totpStep(nowMs) + 1) {
      throw new Error("Two codes already used in this window: use a recovery code instead");
    }
    this.lastStep = step;
    return this.codeAt(step);
  }
}
