import { describe, expect, it } from "vitest";

import { cryptoRandom } from "../src/random";
import { createSecretBox, encryptionKeyFrom } from "../src/mfa/secret-box";

const OLD = encryptionKeyFrom("a0f3c9e1b7d54a2f8c6e0b9d3a7f1c5e8b2d6a4f0c9e3b7d1a5f8c2e6b0d4a9f");
const NEW = encryptionKeyFrom("5e8b2d6a4f0c9e3b7d1a5f8c2e6b0d4a9fa0f3c9e1b7d54a2f8c6e0b9d3a7f1c");
const secret = new TextEncoder().encode("12345678901234567890");

describe("the TOTP secret box (AES-256-GCM)", () => {
  it("opens what it sealed, for the same factor only", () => {
    const box = createSecretBox(cryptoRandom, [NEW]);
    const sealed = box.seal(secret, "factor-a");
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(Buffer.from(sealed).includes(Buffer.from(secret))).toBe(false);
    expect(box.open(sealed, "factor-a")).toEqual({ plain: Buffer.from(secret), stale: false });
    expect(box.open(sealed, "factor-b")).toBeNull();
  });

  it("refuses a tampered or foreign text, and a key it does not hold", () => {
    const sealed = createSecretBox(cryptoRandom, [OLD]).seal(secret, "f");
    const [v, iv, body] = sealed.split(".");
    const flipped = Buffer.from(body!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    const box = createSecretBox(cryptoRandom, [NEW]);
    expect(box.open(sealed, "f")).toBeNull();
    expect(
      createSecretBox(cryptoRandom, [OLD]).open(`${v}.${iv}.${flipped.toString("base64url")}`, "f"),
    ).toBeNull();
    expect(box.open("plain text", "f")).toBeNull();
  });

  it("rotation: a previous key still opens, and says the secret should be sealed again", () => {
    const sealed = createSecretBox(cryptoRandom, [OLD]).seal(secret, "f");
    const rotated = createSecretBox(cryptoRandom, [NEW, OLD]);
    expect(rotated.open(sealed, "f")).toEqual({ plain: Buffer.from(secret), stale: true });
    const resealed = rotated.seal(secret, "f");
    expect(createSecretBox(cryptoRandom, [NEW]).open(resealed, "f")?.stale).toBe(false);
  });
});
