import type { PublicUser } from "@authkit/db";

import type { Core } from "./core";
import { sha256 } from "./random";
import type { TokenPair } from "./types";

/** 256 bits from the CSPRNG (docs/api.md: refresh tokens). */
const REFRESH_TOKEN_BYTES = 32;
/** Far longer than any token we mint; anything longer is refused before hashing. */
export const MAX_REFRESH_TOKEN_LENGTH = 256;

/** A new refresh token: the raw value for the client, the digest for the database. */
export function newRefreshToken(core: Core): { raw: string; hash: string; id: string } {
  const raw = core.random.token(REFRESH_TOKEN_BYTES);
  return { raw, hash: sha256(raw), id: core.random.uuid() };
}

export const refreshExpiry = (core: Core, from: Date): Date =>
  new Date(from.getTime() + core.settings.refreshTokenTtlSeconds * 1000);

/** Signs the access token for a session and pairs it with the session's new refresh token. */
export async function issueTokens(
  core: Core,
  user: PublicUser,
  tokenVersion: number,
  sessionId: string,
  refreshToken: string,
): Promise<TokenPair> {
  const { token } = await core.tokens.sign({
    sub: user.id,
    jti: core.random.uuid(),
    sid: sessionId,
    role: user.role,
    ver: tokenVersion,
  });
  return {
    accessToken: token,
    tokenType: "Bearer",
    expiresIn: core.tokens.ttlSeconds,
    refreshToken,
    refreshExpiresIn: core.settings.refreshTokenTtlSeconds,
    user,
    sessionId,
  };
}
