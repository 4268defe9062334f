import { errors as joseErrors, jwtVerify, SignJWT, type JWTHeaderParameters } from "jose";
import { LRUCache } from "lru-cache";
import { z } from "zod";

import type { Clock } from "./clock";
import { AuthError, unauthenticated } from "./errors";
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
 * Signs and verifies access tokens. jose does the cryptography; an LRU of verified claims, keyed
 * by the full token string, each entry living until its token's `exp`, means each token pays for
 * one signature check in its lifetime. Revocation is not cached: callers check it every request.
 *
 * A token claiming a longer life than this server issues is refused: revocation records are kept
 * for one access-token lifetime, so a token minted under a longer ACCESS_TOKEN_TTL would outlive
 * the record that revokes it.
 */
export class AccessTokens {
  private readonly cache: LRUCache<string, AccessTokenClaims> | undefined;

  constructor(private readonly options: AccessTokenOptions) {
    const max = options.cacheSize ?? 10_000;
    this.cache = max > 0 ? new LRUCache({ max, ttlAutopurge: false }) : undefined;
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /** The clock leeway allowed on `exp`, `nbf` and `iat`. */
  get leewaySeconds(): number {
    return this.options.clockToleranceSeconds;
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

  /** Whether this token's signature was already checked by this process (and it has not expired). */
  isKnown(token: string): boolean {
    return this.cache?.has(token) ?? false;
  }

  /** Verified claims, or AuthError UNAUTHENTICATED (with the cause for the log) for any bad token. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.cache?.get(token);
    if (cached) {
      // The LRU's own timer is the process clock; the injected clock decides expiry.
      if (cached.exp + this.options.clockToleranceSeconds > this.options.clock.now() / 1000)
        return cached;
      this.cache?.delete(token);
      throw unauthenticated("TOKEN_EXPIRED");
    }
    const claims = await this.verifyUncached(token);
    const ttl = (claims.exp + this.options.clockToleranceSeconds) * 1000 - this.options.clock.now();
    if (ttl > 0) this.cache?.set(token, claims, { ttl });
    return claims;
  }

  private async verifyUncached(token: string): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
      throw unauthenticated("TOKEN_MALFORMED");
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
          if (!key || header.alg !== key.alg) throw unauthenticated("TOKEN_INVALID");
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
      if (!parsed.success) throw unauthenticated("TOKEN_INVALID");
      // jose leaves a future `iat` alone; a token "issued" beyond the leeway is not ours.
      if (parsed.data.iat > clock.now() / 1000 + clockToleranceSeconds)
        throw unauthenticated("TOKEN_INVALID");
      if (parsed.data.exp - parsed.data.iat > this.options.ttlSeconds)
        throw unauthenticated("TOKEN_LIFETIME");
      return parsed.data;
    } catch (error) {
      // Forged, expired, wrong issuer, unknown kid…: one code, so one 401 for every cause; the
      // reason goes to the server log only.
      if (error instanceof AuthError) throw error;
      throw unauthenticated(
        error instanceof joseErrors.JWTExpired ? "TOKEN_EXPIRED" : "TOKEN_INVALID",
        error,
      );
    }
  }
}
