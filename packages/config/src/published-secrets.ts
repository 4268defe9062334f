/**
 * Secrets printed in tutorials and tools. They pass any entropy estimate (the FastAPI docs' key
 * is 64 random hex digits), yet every attacker has them: a server signing with one can be taken
 * over by anyone who read the same page.
 */
const PUBLISHED: Readonly<Record<string, string>> = {
  // FastAPI's "OAuth2 with Password (and hashing), Bearer with JWT tokens" tutorial.
  "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7":
    "the FastAPI tutorial's example key",
  // jwt.io's debugger, old and new default.
  "your-256-bit-secret": "jwt.io's example key",
  "a-string-secret-at-least-256-bits-long": "jwt.io's example key",
};

/** Words that only placeholders are made of ("changeme", "your-secret-here", "supersecret"…). */
const PLACEHOLDER =
  /change[\W_]*(it|me|this)|replace[\W_]*(it|me|this)|your[\W_]*(own[\W_]*)?(256[\W_]*bit[\W_]*)?(secret|key)|(super|my|top)[\W_]*secret|secret[\W_]*key|example|placeholder|insecure|not[\W_]*(a[\W_]*)?secret|do[\W_]*not[\W_]*use|^secret/i;

/** Why a secret must not be used, or null when it is not a known published or placeholder value. */
export function publishedSecretReason(secret: string): string | null {
  const known = PUBLISHED[secret.trim().toLowerCase()];
  if (known) return `is ${known}, published for everyone to copy`;
  if (PLACEHOLDER.test(secret)) return "looks like a placeholder from an example configuration";
  return null;
}
