import { createHash, randomBytes, randomUUID } from "node:crypto";

/** Randomness as a dependency: the CSPRNG in production, anything reproducible in a test. */
export interface Random {
  /** An opaque token of `bytes` random bytes, base64url-encoded. */
  token(bytes: number): string;
  uuid(): string;
}

export const cryptoRandom: Random = {
  token: (bytes) => randomBytes(bytes).toString("base64url"),
  uuid: () => randomUUID(),
};

/** Refresh tokens and tickets are stored only as this digest. */
export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
