import {
  credentialUserSelect,
  isUniqueViolation,
  normalizeEmail,
  publicUserSelect,
  type Database,
  type PublicUser,
} from "@authkit/db";

import type { AccessTokenClaims, AccessTokens, Role } from "./access-token";
import type { Clock } from "./clock";
import type { LiveSessions } from "./live";
import { AuthError, orUnavailable } from "./errors";
import type { PasswordHasher } from "./password";
import { sha256, type Random } from "./random";
import { clientIpKey, type RateLimiter, type RateLimitRule, type RateLimits } from "./rate-limit";
import type { RevocationStore } from "./revocation/store";

/** 256 bits from the CSPRNG (docs/api.md: Tokens). */
const REFRESH_TOKEN_BYTES = 32;
const MAX_REFRESH_TOKEN_LENGTH = 256;

export type RevocationReason =
  | "logout"
  | "logout_all"
  | "password_changed"
  | "session_revoked"
  | "role_changed"
  | "refresh_token_reused"
  /** Seen by a stream's periodic re-check: the version moved, the event that said why was missed. */
  | "token_version_changed";

/** What listeners (live session streams) learn when sessions or tokens die. */
export type RevocationEvent =
  | { kind: "sessions"; userId: string; sessionIds: string[]; reason: RevocationReason }
  | { kind: "user"; userId: string; version: number; reason: RevocationReason };

export interface TokenPair {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: PublicUser;
  sessionId: string;
}

/** Who a verified, unrevoked access token speaks for. */
export interface Identity {
  user: { id: string; role: Role };
  session: { id: string };
  token: AccessTokenClaims;
}

export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  current: boolean;
}

export interface AuthServiceDeps {
  db: Pick<Database, "prisma">;
  store: RevocationStore;
  tokens: AccessTokens;
  passwords: PasswordHasher;
  clock: Clock;
  random: Random;
  refreshTokenTtlSeconds: number;
  /** Counts login, refresh and register attempts; absent = no limits (a bare core in tests). */
  rateLimiter?: RateLimiter;
  rateLimits?: RateLimits;
  /** Tickets and watches for live subscriptions (auth.ticket, session.events). */
  live?: LiveSessions;
}

/** What the transport knows about a caller: for sessions and per-address rate limits. */
export interface RequestMeta {
  userAgent?: string | null;
  /** The client address (after a trusted proxy); absent or "unknown" skips per-address limits. */
  clientIp?: string | null;
}

/**
 * The framework-agnostic core: every rule of the Tokens section of docs/api.md lives here, and the tRPC
 * routers and the OAuth2 endpoints are thin shells around it.
 */
export class AuthService {
  private readonly listeners = new Set<(event: RevocationEvent) => void>();
  private readonly profiles = new Map<string, PublicUser>();

  constructor(private readonly deps: AuthServiceDeps) {}

  get accessTokenTtlSeconds(): number {
    return this.deps.tokens.ttlSeconds;
  }

  get refreshTokenTtlSeconds(): number {
    return this.deps.refreshTokenTtlSeconds;
  }

  get store(): RevocationStore {
    return this.deps.store;
  }

  get live(): LiveSessions {
    if (!this.deps.live) throw new Error("AuthService was created without live sessions");
    return this.deps.live;
  }

  /** Subscribe to revocations (for live streams); returns the unsubscribe function. */
  onRevocation(listener: (event: RevocationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- Accounts -------------------------------------------------------------------------------

  async register(
    input: { email: string; password: string; name?: string | undefined },
    meta: RequestMeta = {},
  ): Promise<PublicUser> {
    await this.limit(this.deps.rateLimits?.registerIp, clientIpKey(meta.clientIp));
    const passwordHash = await this.deps.passwords.hash(input.password);
    try {
      return await orUnavailable(() =>
        this.deps.db.prisma.user.create({
          data: {
            email: normalizeEmail(input.email),
            name: input.name?.trim() || null,
            passwordHash,
          },
          select: publicUserSelect,
        }),
      );
    } catch (error) {
      if (error instanceof AuthError && isUniqueViolation(error.cause))
        throw new AuthError("EMAIL_TAKEN");
      throw error;
    }
  }

  /** Creates the admin of `ADMIN_EMAIL` if missing, or promotes it. Idempotent. */
  async ensureAdmin({ email, password }: { email: string; password: string }): Promise<PublicUser> {
    const { prisma } = this.deps.db;
    const existing = await prisma.user.findUnique({
      where: { email: normalizeEmail(email) },
      select: publicUserSelect,
    });
    if (!existing) {
      const user = await this.register({ email, password, name: "Admin" });
      await prisma.user.update({ where: { id: user.id }, data: { role: "admin" } });
      return { ...user, role: "admin" };
    }
    if (existing.role !== "admin") await this.setRole(existing.id, "admin");
    return { ...existing, role: "admin" };
  }

  async login(
    input: { email: string; password: string },
    meta: RequestMeta = {},
  ): Promise<TokenPair> {
    // Failures are what is limited, per address and per account (known or not, so the limit
    // itself reveals nothing). Each attempt reserves its slot before the password is checked,
    // so a burst of concurrent guesses cannot slip past; a success gives the slots back.
    const normalized = normalizeEmail(input.email);
    const ipKey = clientIpKey(meta.clientIp);
    const accountKey = `sha256:${sha256(normalized)}`;
    const { loginIp, loginAccount } = this.deps.rateLimits ?? {};
    await this.limit(loginIp, ipKey);
    await this.limit(loginAccount, accountKey);
    const user = await orUnavailable(() =>
      this.deps.db.prisma.user.findUnique({
        where: { email: normalized },
        select: credentialUserSelect,
      }),
    );
    if (!user) {
      await this.deps.passwords.verifyAgainstDummy(input.password);
      throw new AuthError("INVALID_CREDENTIALS");
    }
    const check = await this.deps.passwords.verify(user.passwordHash, input.password);
    if (!check.ok) throw new AuthError("INVALID_CREDENTIALS");
    await this.refund(loginIp, ipKey);
    await this.refund(loginAccount, accountKey);
    if (check.needsRehash) {
      // Parameters changed since this hash was made: upgrade it while we hold the password.
      const passwordHash = await this.deps.passwords.hash(input.password);
      await orUnavailable(() =>
        this.deps.db.prisma.user.update({ where: { id: user.id }, data: { passwordHash } }),
      );
    }
    const now = this.now();
    const sessionId = this.deps.random.uuid();
    const refreshToken = this.deps.random.token(REFRESH_TOKEN_BYTES);
    const expiresAt = this.refreshExpiry(now);
    await orUnavailable(() =>
      this.deps.db.prisma.session.create({
        data: {
          id: sessionId,
          userId: user.id,
          userAgent: meta.userAgent?.slice(0, 512) ?? null,
          createdAt: now,
          lastUsedAt: now,
          expiresAt,
          refreshTokens: { create: { tokenHash: sha256(refreshToken), expiresAt, createdAt: now } },
        },
      }),
    );
    const { id, email, name, role, tokenVersion } = user;
    return this.issue({ id, email, name, role }, tokenVersion, sessionId, refreshToken);
  }

  // ---- Refresh rotation -----------------------------------------------------------------------

  /**
   * Consumes the presented refresh token and issues a new pair. The consume is one conditional
   * update, so of any number of concurrent calls with one token exactly one wins. A token that
   * was already consumed is a replay: the whole session family dies and the user's token
   * version goes up, so every access token of that user stops working.
   */
  async rotateRefreshToken(
    rawToken: string | undefined | null,
    meta: RequestMeta = {},
  ): Promise<TokenPair> {
    await this.limit(this.deps.rateLimits?.refreshIp, clientIpKey(meta.clientIp));
    if (!rawToken || rawToken.length > MAX_REFRESH_TOKEN_LENGTH)
      throw new AuthError("UNAUTHENTICATED");
    const tokenHash = sha256(rawToken);
    const now = this.now();
    const outcome = await orUnavailable(() =>
      this.deps.db.prisma.$transaction(async (tx) => {
        const { count } = await tx.refreshToken.updateMany({
          where: {
            tokenHash,
            consumedAt: null,
            expiresAt: { gt: now },
            session: { is: { revokedAt: null, expiresAt: { gt: now } } },
          },
          data: { consumedAt: now },
        });
        if (count === 1) {
          const { session } = await tx.refreshToken.findUniqueOrThrow({
            where: { tokenHash },
            select: {
              session: {
                select: { id: true, user: { select: { ...publicUserSelect, tokenVersion: true } } },
              },
            },
          });
          const next = this.deps.random.token(REFRESH_TOKEN_BYTES);
          const expiresAt = this.refreshExpiry(now);
          await tx.refreshToken.create({
            data: { tokenHash: sha256(next), sessionId: session.id, expiresAt, createdAt: now },
          });
          await tx.session.update({
            where: { id: session.id },
            data: { lastUsedAt: now, expiresAt },
          });
          return { kind: "rotated" as const, session, next };
        }
        const seen = await tx.refreshToken.findUnique({
          where: { tokenHash },
          select: { consumedAt: true, session: { select: { id: true, userId: true } } },
        });
        return seen?.consumedAt
          ? { kind: "reused" as const, sessionId: seen.session.id, userId: seen.session.userId }
          : { kind: "invalid" as const };
      }),
    );
    if (outcome.kind === "invalid") throw new AuthError("UNAUTHENTICATED");
    if (outcome.kind === "reused") {
      await this.handleReuse(outcome.userId, outcome.sessionId);
      throw new AuthError("REFRESH_TOKEN_REUSED");
    }
    const { tokenVersion, ...user } = outcome.session.user;
    return this.issue(user, tokenVersion, outcome.session.id, outcome.next);
  }

  private async handleReuse(userId: string, sessionId: string): Promise<void> {
    // Only the first replay acts; the rest find the family already dead.
    const revoked = await this.revokeSessions(userId, [sessionId], "refresh_token_reused");
    if (revoked.length > 0) await this.raiseTokenVersion(userId, "refresh_token_reused");
  }

  // ---- Access tokens --------------------------------------------------------------------------

  /** Verifies the token (cached) and checks revocation (never cached, one round trip). */
  async authenticate(accessToken: string | null | undefined): Promise<Identity> {
    if (!accessToken) throw new AuthError("UNAUTHENTICATED");
    const claims = await this.deps.tokens.verify(accessToken);
    const revoked = await orUnavailable(() => this.deps.store.isRevoked(claims));
    if (revoked) throw new AuthError("UNAUTHENTICATED");
    return {
      user: { id: claims.sub, role: claims.role },
      session: { id: claims.sid },
      token: claims,
    };
  }

  /**
   * Logout accepts whatever the caller holds: the refresh cookie, the bearer token, or both.
   * It never fails for a bad or missing token (there is nothing left to protect), only when the
   * stores cannot record the revocation.
   */
  async logout({
    refreshToken,
    accessToken,
  }: {
    refreshToken?: string | null;
    accessToken?: string | null;
  }): Promise<void> {
    let claims: AccessTokenClaims | undefined;
    if (accessToken) claims = await this.deps.tokens.verify(accessToken).catch(() => undefined);
    let session: { id: string; userId: string } | null | undefined;
    if (refreshToken && refreshToken.length <= MAX_REFRESH_TOKEN_LENGTH) {
      session = await orUnavailable(() =>
        this.deps.db.prisma.refreshToken
          .findUnique({
            where: { tokenHash: sha256(refreshToken) },
            select: { session: { select: { id: true, userId: true } } },
          })
          .then((row) => row?.session),
      );
    }
    if (claims) {
      const expiresAt = new Date(claims.exp * 1000);
      await orUnavailable(() => this.deps.store.revokeAccessToken(claims.jti, expiresAt));
      await this.revokeSessions(claims.sub, [claims.sid], "logout");
    }
    if (session && session.id !== claims?.sid)
      await this.revokeSessions(session.userId, [session.id], "logout");
  }

  /** Revokes one access token by its jti until it expires (RFC 7009 for access tokens). */
  async revokeAccessToken(accessToken: string): Promise<void> {
    const claims = await this.deps.tokens.verify(accessToken).catch(() => undefined);
    if (!claims) return;
    await orUnavailable(() =>
      this.deps.store.revokeAccessToken(claims.jti, new Date(claims.exp * 1000)),
    );
  }

  /** Revokes the session family of a refresh token (RFC 7009 for refresh tokens). */
  async revokeRefreshToken(rawToken: string): Promise<void> {
    if (rawToken.length > MAX_REFRESH_TOKEN_LENGTH) return;
    const row = await orUnavailable(() =>
      this.deps.db.prisma.refreshToken.findUnique({
        where: { tokenHash: sha256(rawToken) },
        select: { session: { select: { id: true, userId: true } } },
      }),
    );
    if (row) await this.revokeSessions(row.session.userId, [row.session.id], "logout");
  }

  async logoutAll(userId: string): Promise<void> {
    const live = await this.liveSessionIds(userId);
    await this.revokeSessions(userId, live, "logout_all");
    await this.raiseTokenVersion(userId, "logout_all");
  }

  async changePassword(
    identity: Identity,
    { currentPassword, newPassword }: { currentPassword: string; newPassword: string },
  ): Promise<void> {
    const user = await orUnavailable(() =>
      this.deps.db.prisma.user.findUnique({
        where: { id: identity.user.id },
        select: { passwordHash: true },
      }),
    );
    if (!user) throw new AuthError("UNAUTHENTICATED");
    const check = await this.deps.passwords.verify(user.passwordHash, currentPassword);
    if (!check.ok) throw new AuthError("WRONG_PASSWORD");
    const passwordHash = await this.deps.passwords.hash(newPassword);
    await orUnavailable(() =>
      this.deps.db.prisma.user.update({ where: { id: identity.user.id }, data: { passwordHash } }),
    );
    // This device stays signed in; every other session dies with its access tokens.
    const others = (await this.liveSessionIds(identity.user.id)).filter(
      (id) => id !== identity.session.id,
    );
    await this.revokeSessions(identity.user.id, others, "password_changed");
  }

  /**
   * The caller's profile. Email and name never change through this API and the role is in the
   * token, so a bounded cache keyed by (user, token version) is always fresh: any role change
   * raises the version and misses.
   */
  async getProfile(identity: Identity): Promise<PublicUser> {
    const key = `${identity.user.id}:${identity.token.ver}`;
    const cached = this.profiles.get(key);
    if (cached) return cached;
    const user = await orUnavailable(() =>
      this.deps.db.prisma.user.findUnique({
        where: { id: identity.user.id },
        select: publicUserSelect,
      }),
    );
    if (!user) throw new AuthError("UNAUTHENTICATED");
    if (this.profiles.size >= 10_000) this.profiles.delete(this.profiles.keys().next().value ?? "");
    this.profiles.set(key, user);
    return user;
  }

  // ---- Sessions -------------------------------------------------------------------------------

  async listSessions(identity: Identity): Promise<SessionView[]> {
    const rows = await orUnavailable(() =>
      this.deps.db.prisma.session.findMany({
        where: { userId: identity.user.id, revokedAt: null, expiresAt: { gt: this.now() } },
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
  }

  /** Revokes one of the caller's own sessions; someone else's session is NOT_FOUND. */
  async revokeOwnSession(identity: Identity, sessionId: string): Promise<void> {
    const session = await orUnavailable(() =>
      this.deps.db.prisma.session.findFirst({
        where: { id: sessionId, userId: identity.user.id },
        select: { id: true },
      }),
    );
    if (!session) throw new AuthError("NOT_FOUND");
    await this.revokeSessions(identity.user.id, [sessionId], "session_revoked");
  }

  // ---- Administration -------------------------------------------------------------------------

  listUsers(): Promise<(PublicUser & { createdAt: string })[]> {
    return orUnavailable(async () => {
      const users = await this.deps.db.prisma.user.findMany({
        orderBy: { createdAt: "asc" },
        select: { ...publicUserSelect, createdAt: true },
      });
      return users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() }));
    });
  }

  /** A role change kills the user's access tokens, so the new role is in force on the next request. */
  async setRole(userId: string, role: Role): Promise<void> {
    const { prisma } = this.deps.db;
    const changed = await orUnavailable(() =>
      prisma.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { id: userId }, select: { role: true } });
        if (!user) throw new AuthError("NOT_FOUND");
        if (user.role === role) return false;
        if (role === "user" && (await tx.user.count({ where: { role: "admin" } })) <= 1) {
          throw new AuthError("LAST_ADMIN");
        }
        await tx.user.update({ where: { id: userId }, data: { role } });
        return true;
      }),
    );
    if (changed) await this.raiseTokenVersion(userId, "role_changed");
  }

  /** Deletes rows nothing can use any more: expired denylist entries, tokens and sessions. */
  async pruneExpired(): Promise<void> {
    const { prisma } = this.deps.db;
    const now = this.now();
    const staleSessions = new Date(now.getTime() - 24 * 3600 * 1000);
    await orUnavailable(async () => {
      await prisma.revokedAccessToken.deleteMany({ where: { expiresAt: { lt: now } } });
      await prisma.sessionTicket.deleteMany({ where: { expiresAt: { lt: now } } });
      await prisma.refreshToken.deleteMany({ where: { expiresAt: { lt: now } } });
      await prisma.session.deleteMany({ where: { expiresAt: { lt: staleSessions } } });
      await this.deps.rateLimiter?.prune?.();
    });
  }

  // ---- Internals ------------------------------------------------------------------------------

  private now(): Date {
    return new Date(this.deps.clock.now());
  }

  /**
   * Counts one attempt under `rule` for `key`; 429 (RATE_LIMITED, with Retry-After) past the
   * limit. A limiter that cannot answer fails closed: 503, never "allowed".
   */
  private async limit(rule: RateLimitRule | null | undefined, key: string | null): Promise<void> {
    const limiter = this.deps.rateLimiter;
    if (!limiter || !rule || key === null) return;
    const decision = await orUnavailable(() => limiter.consume(rule, key));
    if (!decision.allowed)
      throw new AuthError("RATE_LIMITED", { retryAfterSeconds: decision.retryAfterSeconds });
  }

  private async refund(rule: RateLimitRule | null | undefined, key: string | null): Promise<void> {
    const limiter = this.deps.rateLimiter;
    if (!limiter || !rule || key === null) return;
    // The login already succeeded: a failed refund only leaves one attempt counted.
    await limiter.refund(rule, key).catch(() => undefined);
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.deps.refreshTokenTtlSeconds * 1000);
  }

  private async issue(
    user: PublicUser,
    tokenVersion: number,
    sessionId: string,
    refreshToken: string,
  ): Promise<TokenPair> {
    const { token } = await this.deps.tokens.sign({
      sub: user.id,
      jti: this.deps.random.uuid(),
      sid: sessionId,
      role: user.role,
      ver: tokenVersion,
    });
    return {
      accessToken: token,
      tokenType: "Bearer",
      expiresIn: this.deps.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresIn: this.deps.refreshTokenTtlSeconds,
      user,
      sessionId,
    };
  }

  private async liveSessionIds(userId: string): Promise<string[]> {
    const rows = await orUnavailable(() =>
      this.deps.db.prisma.session.findMany({
        where: { userId, revokedAt: null },
        select: { id: true },
      }),
    );
    return rows.map((row) => row.id);
  }

  /** Marks sessions revoked (database first, then the store); returns those it revoked now. */
  private async revokeSessions(
    userId: string,
    sessionIds: string[],
    reason: RevocationReason,
  ): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const now = this.now();
    const { prisma } = this.deps.db;
    const live = await orUnavailable(async () => {
      const rows = await prisma.session.findMany({
        where: { id: { in: sessionIds }, userId, revokedAt: null },
        select: { id: true },
      });
      const ids = rows.map((row) => row.id);
      if (ids.length === 0) return [];
      const { count } = await prisma.session.updateMany({
        where: { id: { in: ids }, revokedAt: null },
        data: { revokedAt: now, revokedReason: reason },
      });
      return count > 0 ? ids : [];
    });
    if (live.length === 0) return [];
    await orUnavailable(() => this.deps.store.sessionsRevoked(live));
    this.emit({ kind: "sessions", userId, sessionIds: live, reason });
    return live;
  }

  private async raiseTokenVersion(userId: string, reason: RevocationReason): Promise<void> {
    const { tokenVersion } = await orUnavailable(() =>
      this.deps.db.prisma.user.update({
        where: { id: userId },
        data: { tokenVersion: { increment: 1 } },
        select: { tokenVersion: true },
      }),
    );
    await orUnavailable(() => this.deps.store.userVersionRaised(userId, tokenVersion));
    this.emit({ kind: "user", userId, version: tokenVersion, reason });
  }

  private emit(event: RevocationEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not undo a revocation that already happened.
      }
    }
  }
}
