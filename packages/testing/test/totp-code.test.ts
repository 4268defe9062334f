/** totpCode against RFC 6238's SHA-1 test vectors (Appendix B, the last 6 of their 8 digits). */
import { describe, expect, it } from "vitest";

import { totpCode } from "../src/totp-code";

// "12345678901234567890" in base32, the RFC's SHA-1 key.
const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("totpCode", () => {
  it.each([
    [59, "287082"],
    [1111111109, "081804"],
    [1111111111, "050471"],
    [1234567890, "005924"],
    [2000000000, "279037"],
  ])("at %i s gives %s", (seconds, code) => {
    expect(totpCode(SECRET, new Date(seconds * 1000))).toBe(code);
  });

  it("reads the secret out of an otpauth URI, and forgives lower case and spaces", () => {
    const uri = `otpauth://totp/Authkit:ada%40example.com?secret=${SECRET}&issuer=Authkit`;
    const at = new Date(59_000);
    expect(totpCode(uri, at)).toBe("287082");
    expect(totpCode(SECRET.toLowerCase().replace(/(.{4})/g, "$1 "), at)).toBe("287082");
  });

  it("refuses a URI without a secret", () => {
    expect(() => totpCode("otpauth://totp/Authkit:ada?issuer=Authkit")).toThrow(/no secret/);
  });
});
