/**
 * A conservative estimate of a secret's entropy from its length and the character classes it
 * uses. `openssl rand -hex 32` (64 hex chars) scores exactly 256 bits; a 32-char password made of
 * words does not. Strings with very few distinct characters score 0: "aaaa…" is not a secret.
 */
export function estimateEntropyBits(secret: string): number {
  const chars = [...secret];
  if (new Set(chars).size < 10) return 0;
  const isHex = /^[0-9a-f]+$/i.test(secret) && !/[g-z]/i.test(secret);
  let pool = 0;
  if (isHex) pool = 16;
  else {
    if (/[a-z]/.test(secret)) pool += 26;
    if (/[A-Z]/.test(secret)) pool += 26;
    if (/[0-9]/.test(secret)) pool += 10;
    if (/[^a-zA-Z0-9]/.test(secret)) pool += 33;
  }
  return Math.floor(chars.length * Math.log2(pool));
}
