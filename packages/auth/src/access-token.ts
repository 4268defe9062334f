import {
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTHeaderParameters,
  type JWTPayload,
} from "jose";
import { LRUCache } from "lru-cache";
import { z } from "zod";

import type { Clock } from "./clock";
import { AuthError, unauthenticated } from "./errors";
import { keysFor, type KeySet, type VerificationKey } from "./keys";

export type Role = "user" | "admin";

/**
 * How the person proved who they are, as RFC 8176 names it: a password, a one-time code, a
 * hardware- or software-bound key, user presence/verification, and `mfa` when two were combined.
 */
export const AUTHENTICATION_METHODS = ["pwd", "otp", "mfa", "hwk", "swk", "user"] as const;
export type AuthenticationMethod = (typeof AUTHENTICATION_METHODS)[number];

/** The claims every access token carries (docs/api.md: Tokens). */
export interface AccessTokenClaims {
  sub: string;
  jti: string;
  sid: string;
  role: Role;
  ver: number;
  iat: number;
  exp: number;
  /** When the person last proved who they are in this session (OIDC `auth_time`, seconds). */
  auth_time: number;
  /** How they proved it (RFC 8176). */
  amr: AuthenticationMethod[];
}

const claimsSchema = z.object({
  sub: z.uuid(),
  jti: z.uuid(),
  sid: z.uuid(),
  role: z.enum(["user", "admin"]),
  ver: z.number().int().nonnegative(),
  iat: z.number().int(),
  exp: z.number().int(),
  auth_time: z.number().int().nonnegative(),
  amr: z.array(z.enum(AUTHENTICATION_METHODS)).max(AUTHENTICATION_METHODS.length),
});

/** A verified token's claims, and whether the database has vouched for them (see `isKnown`). */
interface CachedToken {
  claims: AccessTokenClaims;
  vouched: boolean;
}

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
  private readonly cache: LRUCache<string, CachedToken> | undefined;

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
    const token = await new SignJWT({
      sid: claims.sid,
      role: claims.role,
      ver: claims.ver,
      auth_time: claims.auth_time,
      amr: claims.amr,
    })
      .setProtectedHeader({
        alg: keys.signing.alg,
        ...(keys.signing.kid ? { kid: keys.signing.kid } : {}),
        typ: "JWT",
      })
      .setSubject(claims.sub)
      .setJti(claims.jti)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(full.exp)
      .sign(keys.signing.signingKey);
    return { token, claims: full };
  }

  /**
   * Whether the database already vouched for this token in this process (`vouch`), and it has
   * not expired. A signature alone does not make a token known: a token signed with a leaked
   * key, refused by the database, stays unknown and goes to the database every time.
   */
  isKnown(token: string): boolean {
    return this.cache?.get(token)?.vouched ?? false;
  }

  /** The database found this verified token's user, session, version and role as it claims. */
  vouch(token: string): void {
    const cached = this.cache?.get(token);
    if (cached) cached.vouched = true;
  }

  /** Verified claims, or AuthError UNAUTHENTICATED (with the cause for the log) for any bad token. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.cache?.get(token)?.claims;
    if (cached) {
      // The LRU's own timer is the process clock; the injected clock decides expiry.
      if (cached.exp + this.options.clockToleranceSeconds > this.options.clock.now() / 1000)
        return cached;
      this.cache?.delete(token);
      throw unauthenticated("TOKEN_EXPIRED");
    }
    const claims = await this.verifyUncached(token);
    const ttl = (claims.exp + this.options.clockToleranceSeconds) * 1000 - this.options.clock.now();
    if (ttl > 0) this.cache?.set(token, { claims, vouched: false }, { ttl });
    return claims;
  }

  private async verifyUncached(token: string): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
      throw unauthenticated("TOKEN_MALFORMED");
    }
    let header: JWTHeaderParameters;
    try {
      header = decodeProtectedHeader(token) as JWTHeaderParameters;
    } catch (error) {
      throw unauthenticated("TOKEN_MALFORMED", error);
    }
    // Only our own keys, each with its own algorithm: no `alg: none`, no HS256-with-a-public-key,
    // no jku/x5u/jwk header lookups. HS256 may have a few (a rotation): each is tried in turn.
    const candidates = keysFor(this.options.keys, header);
    if (candidates.length === 0) throw unauthenticated("TOKEN_INVALID");
    let payload: JWTPayload | undefined;
    let lastError: unknown;
    for (const key of candidates) {
      try {
        payload = await this.verifyWith(token, key);
        break;
      } catch (error) {
        // A wrong key fails on the signature; anything else (expiry, issuer…) is the token's.
        if (!(error instanceof joseErrors.JWSSignatureVerificationFailed))
          throw tokenFailure(error);
        lastError = error;
      }
    }
    if (!payload) throw tokenFailure(lastError);
    return this.checkClaims(payload);
  }

  private async verifyWith(token: string, key: VerificationKey): Promise<JWTPayload> {
    const { issuer, audience, clockToleranceSeconds, clock } = this.options;
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      issuer,
      audience,
      clockTolerance: clockToleranceSeconds,
      currentDate: new Date(clock.now()),
      requiredClaims: ["sub", "jti", "iat", "exp"],
      typ: "JWT",
    });
    return payload;
  }

  private checkClaims(payload: JWTPayload): AccessTokenClaims {
    const { clock, clockToleranceSeconds, ttlSeconds } = this.options;
    const parsed = claimsSchema.safeParse(payload);
    if (!parsed.success) throw unauthenticated("TOKEN_INVALID");
    // jose leaves a future `iat` alone; a token "issued" beyond the leeway is not ours.
    if (parsed.data.iat > clock.now() / 1000 + clockToleranceSeconds)
      throw unauthenticated("TOKEN_INVALID");
    // Authentication happens before issuance: a later `auth_time` is not ours either.
    if (parsed.data.auth_time > parsed.data.iat) throw unauthenticated("TOKEN_INVALID");
    if (parsed.data.exp - parsed.data.iat > ttlSeconds) throw unauthenticated("TOKEN_LIFETIME");
    return parsed.data;
  }
}

/**
 * Forged, expired, wrong issuer, unknown kid…: one code, so one 401 for every cause; the reason
 * goes to the server log only.
 */
function tokenFailure(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  return unauthenticated(
    error instanceof joseErrors.JWTExpired ? "TOKEN_EXPIRED" : "TOKEN_INVALID",
    error,
  );
}
