import type { PublicUser } from "@authkit/db";

import type { AuthenticationMethod } from "../access-token";
import type { Core } from "../core";
import { sha256 } from "../random";
import type { TokenPair } from "../types";

/** 256 bits from the CSPRNG (docs/api.md: refresh tokens). */
const REFRESH_TOKEN_BYTES = 32;
/** Far longer than any token we mint; anything longer is refused before hashing. */
export const MAX_REFRESH_TOKEN_LENGTH = 256;

/** A new refresh token: the raw value for the client, the digest for the database. */
export function newRefreshToken(deps: Pick<Core, "random">): {
  raw: string;
  hash: string;
  id: string;
} {
  const raw = deps.random.token(REFRESH_TOKEN_BYTES);
  return { raw, hash: sha256(raw), id: deps.random.uuid() };
}

/** When a refresh token issued at `from` expires. */
export const refreshExpiry = (
  deps: { settings: Pick<Core["settings"], "refreshTokenTtlSeconds"> },
  from: Date,
): Date => new Date(from.getTime() + deps.settings.refreshTokenTtlSeconds * 1000);

/** How and when a session's person last proved who they are: what its tokens say. */
export interface SessionAuthentication {
  authTime: Date;
  amr: AuthenticationMethod[];
}

export type IssueTokensDeps = Pick<Core, "tokens" | "random"> & {
  settings: Pick<Core["settings"], "refreshTokenTtlSeconds">;
};

/** Signs the access token for a session and pairs it with the session's new refresh token. */
export async function issueTokens(
  deps: IssueTokensDeps,
  user: PublicUser,
  tokenVersion: number,
  sessionId: string,
  refreshToken: string,
  { authTime, amr }: SessionAuthentication,
): Promise<TokenPair> {
  const { token } = await deps.tokens.sign({
    sub: user.id,
    jti: deps.random.uuid(),
    sid: sessionId,
    role: user.role,
    ver: tokenVersion,
    auth_time: Math.floor(authTime.getTime() / 1000),
    amr,
  });
  return {
    accessToken: token,
    tokenType: "Bearer",
    expiresIn: deps.tokens.ttlSeconds,
    refreshToken,
    refreshExpiresIn: deps.settings.refreshTokenTtlSeconds,
    user,
    sessionId,
  };
}
