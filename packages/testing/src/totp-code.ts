/**
 * The current code of an authenticator app (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps),
 * from the base32 secret or the whole `otpauth://totp/...?secret=...` URI a server shows.
 */
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";

const STEP_SECONDS = 30;
const DIGITS = 6;

function secretOf(secretOrUri: string): string {
  if (!secretOrUri.startsWith("otpauth://")) return secretOrUri;
  const secret = new URL(secretOrUri).searchParams.get("secret");
  if (!secret) throw new Error("totpCode: the otpauth URI has no secret parameter");
  return secret;
}

/** The code for the step containing `at` (default now, on the test machine's clock). */
export function totpCode(secretOrUri: string, at: Date = new Date()): string {
  const key = decodeBase32IgnorePadding(secretOf(secretOrUri).replace(/\s+/g, "").toUpperCase());
  const counter = BigInt(Math.floor(at.getTime() / 1000 / STEP_SECONDS));
  return generateHOTP(key, counter, DIGITS);
}
