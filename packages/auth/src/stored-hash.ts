/**
 * The password hashes an account may hold: argon2id (what this server writes) and bcrypt (what
 * an imported account may arrive with, e.g. the FastAPI seed's passlib `CryptContext(["bcrypt"])`,
 * until its next login rehashes it). Bounds keep an imported hash from making its owner's every
 * login a memory or CPU bomb.
 */
export type StoredHashScheme = "argon2id" | "bcrypt";

/** bcrypt's cost is 2^cost rounds, in pure JavaScript here: 12 (passlib's default) is ~0.3–0.8 s. */
export const BCRYPT_COST = { min: 4, max: 14 } as const;

/** At most the argon2 library's own defaults, well above OWASP's minimum (19 MiB, t=2, p=1). */
export const ARGON2_LIMITS = { memoryKiB: 65_536, passes: 10, lanes: 4 } as const;

/** `$2a$` (the original), `$2b$` (OpenBSD's fix, passlib's choice), `$2y$` (PHP): one algorithm. */
const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** PHC string format: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (base64 without padding). */
const ARGON2ID =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

/** The scheme of a well-formed hash, or undefined for anything else. */
export function storedHashScheme(hash: string): StoredHashScheme | undefined {
  if (ARGON2ID.test(hash)) return "argon2id";
  if (BCRYPT.test(hash)) return "bcrypt";
  return undefined;
}

/**
 * Why this hash may not be stored (an import), or null when it may. Describes the hash by its
 * scheme and parameters, never by its content.
 */
export function storedHashProblem(hash: string): string | null {
  const bcrypt = BCRYPT.exec(hash);
  if (bcrypt) {
    const cost = Number(bcrypt[1]);
    return cost < BCRYPT_COST.min || cost > BCRYPT_COST.max
      ? `bcrypt cost ${cost} is outside ${BCRYPT_COST.min}–${BCRYPT_COST.max}`
      : null;
  }
  const argon2 = ARGON2ID.exec(hash);
  if (argon2) {
    const [memoryKiB, passes, lanes] = argon2.slice(1, 4).map(Number) as [number, number, number];
    if (
      memoryKiB > ARGON2_LIMITS.memoryKiB ||
      passes > ARGON2_LIMITS.passes ||
      lanes > ARGON2_LIMITS.lanes
    )
      return `argon2id parameters m=${memoryKiB},t=${passes},p=${lanes} exceed m=${ARGON2_LIMITS.memoryKiB},t=${ARGON2_LIMITS.passes},p=${ARGON2_LIMITS.lanes}`;
    return null;
  }
  return `not an argon2id ($argon2id$v=19$…) or bcrypt ($2a$, $2b$, $2y$) hash${schemeHint(hash)}`;
}

/** What an unsupported hash looks like, by its prefix only: `$argon2i$`, `$pbkdf2-sha256$`, `$1$`… */
function schemeHint(hash: string): string {
  const prefix = /^\$[a-z0-9-]{1,20}\$/i.exec(hash)?.[0];
  if (prefix) return ` (it starts with ${prefix})`;
  return hash.startsWith("$") ? "" : " (it is not in modular crypt format: a plain password?)";
}
