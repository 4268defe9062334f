import { jwtVerify, SignJWT, type JWTHeaderParameters } from "jose";
import { z } from "zod";

import type { Clock } from "./clock";
import { AuthError } from "./errors";
import type { KeySet } from "./keys";

export type Role = "user" | "admin";

/** The claims every access token carries (docs/api.md: Tokens). */
export interface AccessTokenClaims {
  sub: string;
  jti: string;
  sid: string;
  role: Role;
  ver: number;
  iat: number;
  exp: number;
}

const claimsSchema = z.object({
  sub: z.uuid(),
  jti: z.uuid(),
  sid: z.uuid(),
  role: z.enum(["user", "admin"]),
  ver: z.number().int().nonnegative(),
  iat: z.number().int(),
  exp: z.number().int(),
});

/** Longer than any token we mint by far; anything bigger is refused before parsing. */
export const MAX_TOKEN_LENGTH = 4096;

export interface AccessTokenOptions {
  keys: KeySet;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clockToleranceSeconds: number;
  clock: Clock;
  /** Bound on the verified-claims cache; 0 disables it. */
  cacheSize?: number;
}

/**
 * Signs and verifies access tokens. jose does the cryptography; a bounded cache of verified
 * claims, keyed by the full token string and dropped at `exp`, means each token pays for one
 * signature check in its lifetime. Revocation is not cached: callers check it on every request.
 */
export class AccessTokens {
  private readonly cache = new Map<string, AccessTokenClaims>();
  private readonly cacheSize: number;

  constructor(private readonly options: AccessTokenOptions) {
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async sign(
    claims: Omit<AccessTokenClaims, "iat" | "exp">,
  ): Promise<{ token: string; claims: AccessTokenClaims }> {
    const { keys, issuer, audience, ttlSeconds, clock } = this.options;
    const iat = Math.floor(clock.now() / 1000);
    const full: AccessTokenClaims = { ...claims, iat, exp: iat + ttlSeconds };
    const token = await new SignJWT({ sid: claims.sid, role: claims.role, ver: claims.ver })
      .setProtectedHeader({ alg: keys.signing.alg, kid: keys.signing.kid, typ: "JWT" })
      .setSubject(claims.sub)
      .setJti(claims.jti)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(full.exp)
      .sign(keys.signing.signingKey);
    return { token, claims: full };
  }

  /** Verified claims, or AuthError UNAUTHENTICATED for every kind of bad token. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const nowSeconds = this.options.clock.now() / 1000;
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.exp + this.options.clockToleranceSeconds > nowSeconds) return cached;
      this.cache.delete(token);
      throw new AuthError("UNAUTHENTICATED");
    }
    const claims = await this.verifyUncached(token);
    this.remember(token, claims);
    return claims;
  }

  private async verifyUncached(token: string): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
      throw new AuthError("UNAUTHENTICATED");
    }
    const { keys, issuer, audience, clockToleranceSeconds, clock } = this.options;
    try {
      const { payload } = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          // The key is chosen by kid among our own keys only, and its algorithm is the only one
          // accepted: no `alg: none`, no HS256-with-a-public-key, no jku/x5u/jwk header lookups.
          const key =
            typeof header.kid === "string" ? keys.verification.get(header.kid) : undefined;
          if (!key || header.alg !== key.alg) throw new AuthError("UNAUTHENTICATED");
          return key.key;
        },
        {
          algorithms: [...new Set([...keys.verification.values()].map((k) => k.alg))],
          issuer,
          audience,
          clockTolerance: clockToleranceSeconds,
          currentDate: new Date(clock.now()),
          requiredClaims: ["sub", "jti", "iat", "exp"],
          typ: "JWT",
        },
      );
      const parsed = claimsSchema.safeParse(payload);
      if (!parsed.success) throw new AuthError("UNAUTHENTICATED");
      // jose leaves a future `iat` alone; a token "issued" beyond the leeway is not ours.
      if (parsed.data.iat > clock.now() / 1000 + clockToleranceSeconds)
        throw new AuthError("UNAUTHENTICATED");
      return parsed.data;
    } catch (error) {
      // Forged, expired, wrong issuer, unknown kid…: one code, so one 401 for every cause.
      throw new AuthError("UNAUTHENTICATED", { cause: error });
    }
  }

  private remember(token: string, claims: AccessTokenClaims): void {
    if (this.cacheSize <= 0) return;
    if (this.cache.size >= this.cacheSize) {
      // Map keeps insertion order: the first key is the oldest entry.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(token, claims);
  }
}
