import { estimateEntropyBits } from "./entropy";
import { publishedSecretReason } from "./published-secrets";

/** The least entropy an HS256 key may have: as many bits as the HMAC's output. */
export const MIN_SECRET_BITS = 256;

/**
 * Why a shared HS256 secret must not sign or verify, or null when it may. One rule for
 * `AUTH_SECRET` and every HS256 entry of `AUTH_PREVIOUS_KEYS`: a key that only verifies forges
 * as well as one that signs, because whoever holds it can mint a token the server accepts.
 * The message describes the secret's shape, never the secret.
 */
export function secretProblem(secret: string): string | null {
  const published = publishedSecretReason(secret);
  if (published) {
    return `${published}: anyone who read it can sign tokens for any user; generate your own with \`openssl rand -hex 32\``;
  }
  if (secret.length < 32 || estimateEntropyBits(secret) < MIN_SECRET_BITS) {
    return `must be at least 32 characters with at least ${MIN_SECRET_BITS} bits of entropy (got ${secret.length} characters); generate one with \`openssl rand -hex 32\``;
  }
  return null;
}

/**
 * Whether an `AUTH_PREVIOUS_KEYS` entry is a shared HS256 secret rather than an asymmetric key
 * (a PEM, or a JWK object). The one place that tells them apart, for the configuration's
 * checks and for the key import.
 */
export function isSharedSecret(key: string): boolean {
  const trimmed = key.trim();
  return !trimmed.startsWith("-----BEGIN") && !trimmed.startsWith("{");
}
