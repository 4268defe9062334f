import type { Core } from "./core";
import { now } from "./core";
import { AuthError, orUnavailable } from "./errors";
import { MAX_REFRESH_TOKEN_LENGTH } from "./issue";
import { sha256 } from "./random";
import type { Revocation } from "./revocation";
import type { Identity, RequestMeta, SessionView } from "./types";

/** Listing, ending and revoking sessions: logout, logoutAll, revoke-own and RFC 7009. */
export function createSessions(core: Core, revocation: Revocation) {
  const { prisma } = core.db;

  /** The session a raw refresh token belongs to, whatever state it is in. */
  async function sessionOfRefreshToken(raw: string) {
    if (raw.length > MAX_REFRESH_TOKEN_LENGTH) return null;
    const row = await orUnavailable(() =>
      prisma.refreshToken.findUnique({
        where: { tokenHash: sha256(raw) },
        select: { session: { select: { id: true, userId: true } } },
      }),
    );
    return row?.session ?? null;
  }

  return {
    /**
     * Logout accepts whatever the caller holds: the refresh cookie, the bearer token, or both.
     * It never fails for a bad or missing token (there is nothing left to protect), only when
     * the revocation cannot be recorded everywhere (503, and a retry records it).
     */
    async logout(
      { refreshToken, accessToken }: { refreshToken?: string | null; accessToken?: string | null },
      meta: RequestMeta = {},
    ): Promise<void> {
      const claims = accessToken
        ? await core.tokens.verify(accessToken).catch(() => undefined)
        : undefined;
      const session = refreshToken ? await sessionOfRefreshToken(refreshToken) : null;
      if (claims) {
        // The session first: its streams end saying "logout", not "token revoked".
        await revocation.sessions(claims.sub, { ids: [claims.sid] }, "logout", meta);
        await revocation.accessToken(claims, meta);
      }
      if (session && session.id !== claims?.sid)
        await revocation.sessions(session.userId, { ids: [session.id] }, "logout", meta);
    },

    /** Every session and every access token of the user dies, this one included. */
    async logoutAll(identity: Identity, meta: RequestMeta = {}): Promise<void> {
      await revocation.sessions(identity.user.id, { allExcept: null }, "logout_all", meta);
      await revocation.tokenVersion(identity.user.id, "logout_all");
    },

    /** RFC 7009 for an access token: denied until it expires. Unknown or invalid: nothing to do. */
    async revokeAccessToken(accessToken: string, meta: RequestMeta = {}): Promise<void> {
      const claims = await core.tokens.verify(accessToken).catch(() => undefined);
      if (claims) await revocation.accessToken(claims, meta);
    },

    /** RFC 7009 for a refresh token: its whole session family. */
    async revokeRefreshToken(rawToken: string, meta: RequestMeta = {}): Promise<void> {
      const session = await sessionOfRefreshToken(rawToken);
      if (session) await revocation.sessions(session.userId, { ids: [session.id] }, "logout", meta);
    },

    async list(identity: Identity): Promise<SessionView[]> {
      const rows = await orUnavailable(() =>
        prisma.session.findMany({
          where: { userId: identity.user.id, revokedAt: null, expiresAt: { gt: now(core) } },
          orderBy: { lastUsedAt: "desc" },
          select: { id: true, createdAt: true, lastUsedAt: true, userAgent: true },
        }),
      );
      return rows.map((row) => ({
        id: row.id,
        createdAt: row.createdAt.toISOString(),
        lastUsedAt: row.lastUsedAt.toISOString(),
        userAgent: row.userAgent,
        current: row.id === identity.session.id,
      }));
    },

    /** Revokes one of the caller's own sessions; someone else's session is NOT_FOUND. */
    async revokeOwn(identity: Identity, sessionId: string, meta: RequestMeta = {}): Promise<void> {
      const session = await orUnavailable(() =>
        prisma.session.findFirst({
          where: { id: sessionId, userId: identity.user.id },
          select: { id: true },
        }),
      );
      if (!session) throw new AuthError("NOT_FOUND");
      await revocation.sessions(identity.user.id, { ids: [sessionId] }, "session_revoked", meta);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
