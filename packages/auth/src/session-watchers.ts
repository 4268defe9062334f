import type { Database } from "@authkit/db";

import type { Clock } from "./clock";
import { AuthError } from "./errors";
import type { RevocationBus } from "./revocation/bus";
import type { RevocationEvent } from "./types";
import type { LiveIdentity, SessionWatch, StreamEndReason } from "./live";
import { createWatchHandle, type WatchHandle } from "./watch-handle";

/** LIVE_MAX_CONNECTIONS_PER_*: open streams (SSE streams and WebSockets together) on this instance. */
export interface StreamCaps {
  perSession: number;
  perUser: number;
}

export interface SessionWatchersDeps {
  db: Pick<Database, "prisma">;
  bus: RevocationBus;
  clock: Clock;
  caps: StreamCaps;
  /** How often a watched session re-reads the database, in case a notification was lost. */
  recheckMs: number;
}

/** What the watchers hold, for tests and metrics: none of it grows with subscriptions. */
export interface WatcherCounts {
  /** Sessions with at least one open stream: one expiry timer and one re-check timer each. */
  sessions: number;
  streams: number;
  users: number;
  /** Bus listeners these watchers hold: one while anything is watched, else none. */
  busListeners: number;
}

/** One open stream: what it was opened with, and how to end it. */
interface Stream extends WatchHandle {
  tokenVersion: number;
  jti: string;
}

/** One watched session, shared by all of its streams. */
interface WatchedSession {
  userId: string;
  sessionId: string;
  /** The latest end of the session's refresh lifetime this process has seen. */
  expiresAt: number;
  streams: Set<Stream>;
  expiry: NodeJS.Timeout | undefined;
  recheck: NodeJS.Timeout;
  checking: boolean;
}

interface WatchedUser {
  sessions: Set<WatchedSession>;
  streams: number;
}

/** One row of the re-check: the session's state and which of the streams' tokens are denied. */
interface SessionState {
  revoked_reason: string | null;
  revoked: boolean;
  expires_at: Date;
  token_version: number;
  disabled: boolean;
  denied: string[];
}

/**
 * Every live stream of this process, grouped by session. However many streams (SSE streams,
 * WebSockets) a session has open, it costs one expiry timer and one periodic database re-check,
 * and the whole process holds ONE revocation-bus listener that dispatches by user and session.
 * So a flood of subscriptions costs neither listeners, timers nor queries, and past the caps
 * (per session, per user) a stream is refused before anything is held for it.
 */
export class SessionWatchers {
  private readonly sessions = new Map<string, WatchedSession>();
  private readonly users = new Map<string, WatchedUser>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: SessionWatchersDeps) {}

  /**
   * Opens one stream on the ticket's session: ends (with the reason) when the session, the user,
   * the token version or the access token is revoked, or the session's lifetime ends. RATE_LIMITED
   * past a cap: the session's or the user's open streams on this instance.
   */
  watch(live: LiveIdentity): SessionWatch {
    const user = this.users.get(live.user.id);
    const entry = this.sessions.get(live.session.id);
    if ((entry?.streams.size ?? 0) >= this.deps.caps.perSession)
      throw new AuthError("RATE_LIMITED");
    if ((user?.streams ?? 0) >= this.deps.caps.perUser) throw new AuthError("RATE_LIMITED");
    const session = entry ?? this.startWatching(live);
    this.extendLifetime(session, live.session.expiresAt.getTime());
    const stream: Stream = Object.assign(
      createWatchHandle(() => this.release(session, stream)),
      { tokenVersion: live.tokenVersion, jti: live.jti },
    );
    session.streams.add(stream);
    this.userOf(session.userId).streams++;
    return stream.watch;
  }

  counts(): WatcherCounts {
    let streams = 0;
    for (const session of this.sessions.values()) streams += session.streams.size;
    return {
      sessions: this.sessions.size,
      streams,
      users: this.users.size,
      busListeners: this.unsubscribe ? 1 : 0,
    };
  }

  private startWatching(live: LiveIdentity): WatchedSession {
    const session: WatchedSession = {
      userId: live.user.id,
      sessionId: live.session.id,
      expiresAt: 0,
      streams: new Set(),
      expiry: undefined,
      recheck: setInterval(() => void this.recheck(session), this.deps.recheckMs),
      checking: false,
    };
    session.recheck.unref?.();
    this.sessions.set(session.sessionId, session);
    this.userOf(session.userId).sessions.add(session);
    this.unsubscribe ??= this.deps.bus.subscribe((event) => this.dispatch(event));
    return session;
  }

  private userOf(userId: string): WatchedUser {
    let user = this.users.get(userId);
    if (!user) {
      user = { sessions: new Set(), streams: 0 };
      this.users.set(userId, user);
    }
    return user;
  }

  /** A later end seen for the session (a refresh moved it) re-arms the expiry timer. */
  private extendLifetime(session: WatchedSession, expiresAt: number): void {
    if (expiresAt <= session.expiresAt) return;
    session.expiresAt = expiresAt;
    clearTimeout(session.expiry);
    session.expiry = setTimeout(
      () => this.endWhere(session, () => true, "session_expired"),
      Math.max(0, expiresAt - this.deps.clock.now()),
    );
    session.expiry.unref?.();
  }

  /** The one bus listener: only the event's user's watched sessions are looked at. */
  private dispatch(event: RevocationEvent): void {
    const user = this.users.get(event.userId);
    if (!user) return;
    for (const session of [...user.sessions]) {
      if (event.kind === "sessions") {
        if (event.sessionIds.includes(session.sessionId))
          this.endWhere(session, () => true, event.reason);
      } else if (event.kind === "user") {
        this.endWhere(session, (s) => event.version > s.tokenVersion, event.reason);
      } else {
        this.endWhere(session, (s) => s.jti === event.jti, event.reason);
      }
    }
  }

  private endWhere(
    session: WatchedSession,
    matches: (stream: Stream) => boolean,
    reason: StreamEndReason,
  ): void {
    for (const stream of [...session.streams]) if (matches(stream)) stream.end(reason);
  }

  /** A stream ended or closed: the last one of a session stops its timers, the last of all the listener. */
  private release(session: WatchedSession, stream: Stream): void {
    if (!session.streams.delete(stream)) return;
    const user = this.users.get(session.userId);
    if (user) user.streams--;
    if (session.streams.size > 0) return;
    clearTimeout(session.expiry);
    clearInterval(session.recheck);
    this.sessions.delete(session.sessionId);
    user?.sessions.delete(session);
    if (user && user.sessions.size === 0) this.users.delete(session.userId);
    if (this.sessions.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = null;
    }
  }

  /** One query for the whole session, whatever the number of its streams. */
  private async recheck(session: WatchedSession): Promise<void> {
    if (session.checking) return;
    session.checking = true;
    try {
      const state = await this.readState(session);
      if (this.sessions.get(session.sessionId) !== session) return;
      if (!state) return this.endWhere(session, () => true, "session_revoked");
      if (state.revoked)
        return this.endWhere(
          session,
          () => true,
          (state.revoked_reason ?? "session_revoked") as StreamEndReason,
        );
      if (state.disabled) return this.endWhere(session, () => true, "user_disabled");
      this.endWhere(
        session,
        (s) => s.tokenVersion !== state.token_version,
        "token_version_changed",
      );
      this.endWhere(session, (s) => state.denied.includes(s.jti), "token_revoked");
      this.extendLifetime(session, state.expires_at.getTime());
    } catch {
      // The database is unreachable: keep the streams; the client's next request fails closed.
    } finally {
      session.checking = false;
    }
  }

  private async readState(session: WatchedSession): Promise<SessionState | undefined> {
    const jtis = [...new Set([...session.streams].map((s) => s.jti))];
    const [row] = await this.deps.db.prisma.$queryRaw<SessionState[]>`
      SELECT s.revoked_at IS NOT NULL AS revoked, s.revoked_reason::text AS revoked_reason,
        s.expires_at, u.token_version, u.disabled_at IS NOT NULL AS disabled,
        ARRAY(SELECT r.jti::text FROM revoked_access_tokens r WHERE r.jti = ANY(${jtis}::uuid[]))
          AS denied
      FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = ${session.sessionId}::uuid`;
    return row;
  }
}
