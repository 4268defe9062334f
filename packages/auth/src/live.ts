import { Prisma, type Database } from "@authkit/db";

import type { Clock } from "./clock";
import { orUnavailable, unauthenticated } from "./errors";
import { sha256, type Random } from "./random";
import { addressHit, hitOf, type RateGate, type RateLimits } from "./rate-limit/gate";
import type { RevocationBus } from "./revocation/bus";
import { SessionWatchers, type StreamCaps, type WatcherCounts } from "./session-watchers";
import type { Identity, RevocationReason } from "./types";

/** Opaque, single use, valid 30 seconds (docs/api.md: `auth.ticket`). */
export const TICKET_TTL_SECONDS = 30;
const TICKET_BYTES = 32;
const MAX_TICKET_LENGTH = 128;
/** How often a watched session re-reads the database, in case a notification was lost. */
export const RECHECK_MS = 15_000;

/** Who a redeemed ticket speaks for, and until when the session may live. */
export interface LiveIdentity {
  user: { id: string };
  session: { id: string; expiresAt: Date };
  tokenVersion: number;
  /** The access token the ticket was minted with: revoking it ends the stream too. */
  jti: string;
}

export type StreamEndReason = RevocationReason | "session_expired";

/** Handed to a guarded subscription: aborts when the session dies, with the reason. */
export interface SessionWatch {
  signal: AbortSignal;
  /** Resolves with the reason when the session is revoked or ends; never rejects. */
  ended: Promise<StreamEndReason>;
  close(): void;
}

export interface LiveSessionsDeps {
  db: Pick<Database, "prisma">;
  bus: RevocationBus;
  clock: Clock;
  random: Random;
  gate: RateGate;
  limits: Pick<RateLimits, "liveIp" | "liveTicket">;
  settings: {
    liveStreamCaps: StreamCaps;
    /** The re-check period (default RECHECK_MS; tests shorten it). */
    liveRecheckMs: number;
  };
}

/** A ticket's row with the verdict on its session, user, token version and access token. */
interface TicketState {
  session_id: string;
  user_id: string;
  token_version: number;
  jti: string;
  session_expires_at: Date;
  usable: boolean;
  live: boolean;
}

/**
 * Subscriptions cannot carry an Authorization header from a browser (EventSource, WebSocket),
 * and an access token in a URL ends up in logs and history. A ticket is the answer: minted by a
 * protected call, stored hashed, bound to the session, the token version and the access token,
 * redeemable once within 30 seconds.
 */
export class LiveSessions {
  private readonly watchers: SessionWatchers;

  constructor(private readonly deps: LiveSessionsDeps) {
    this.watchers = new SessionWatchers({
      db: deps.db,
      bus: deps.bus,
      clock: deps.clock,
      caps: deps.settings.liveStreamCaps,
      recheckMs: deps.settings.liveRecheckMs,
    });
  }

  /** RATE_LIMITED past RATE_LIMIT_LIVE_TICKET for the user: every stream or socket costs one. */
  async issueTicket(identity: Identity): Promise<{ ticket: string; expiresIn: number }> {
    await this.deps.gate.take([hitOf(this.deps.limits.liveTicket, identity.user.id)]);
    const ticket = this.deps.random.token(TICKET_BYTES);
    await orUnavailable(() =>
      this.deps.db.prisma.sessionTicket.create({
        data: {
          tokenHash: sha256(ticket),
          sessionId: identity.session.id,
          userId: identity.user.id,
          jti: identity.token.jti,
          tokenVersion: identity.token.ver,
          expiresAt: new Date(this.deps.clock.now() + TICKET_TTL_SECONDS * 1000),
        },
      }),
    );
    return { ticket, expiresIn: TICKET_TTL_SECONDS };
  }

  /**
   * Counts one live connection attempt (a WebSocket upgrade) from this address: RATE_LIMITED
   * past `RATE_LIMIT_LIVE_IP`, UNAVAILABLE when the limiter cannot answer (fail closed).
   */
  async admitConnection(clientIp: string | null): Promise<void> {
    await this.deps.gate.take([addressHit(this.deps.limits.liveIp, clientIp)]);
  }

  /** Whether `redeemTicket` would accept this ticket now; consumes nothing. */
  async isRedeemable(ticket: string): Promise<boolean> {
    if (!ticket || ticket.length > MAX_TICKET_LENGTH) return false;
    const now = new Date(this.deps.clock.now());
    const [row] = await this.deps.db.prisma.$queryRaw<TicketState[]>`
      SELECT t.consumed_at IS NULL AND t.expires_at > ${now} AS usable, ${liveSql(now)} AS live
      FROM session_tickets t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
      WHERE t.token_hash = ${sha256(ticket)}`;
    return !!row && row.usable && row.live;
  }

  /** Consumes the ticket atomically; refuses a used, expired, unknown or revoked one. */
  async redeemTicket(ticket: string): Promise<LiveIdentity> {
    if (!ticket || ticket.length > MAX_TICKET_LENGTH) throw unauthenticated("TICKET_INVALID");
    const now = new Date(this.deps.clock.now());
    const [row] = await orUnavailable(
      () => this.deps.db.prisma.$queryRaw<TicketState[]>`
        UPDATE session_tickets t SET consumed_at = ${now}
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE t.token_hash = ${sha256(ticket)} AND s.id = t.session_id
          AND t.consumed_at IS NULL AND t.expires_at > ${now}
        RETURNING t.session_id::text AS session_id, u.id::text AS user_id, t.token_version,
          t.jti::text AS jti, s.expires_at AS session_expires_at, ${liveSql(now)} AS live`,
    );
    if (!row?.live) throw unauthenticated("TICKET_INVALID");
    return {
      user: { id: row.user_id },
      session: { id: row.session_id, expiresAt: row.session_expires_at },
      tokenVersion: row.token_version,
      jti: row.jti,
    };
  }

  /**
   * Watches the session for as long as one stream lives (see ./session-watchers): revocations
   * arrive through the bus at once; a timer ends the stream when the session's refresh lifetime
   * does; a periodic re-read covers a notification lost while the bus reconnected. RATE_LIMITED
   * past LIVE_MAX_CONNECTIONS_PER_SESSION or _PER_USER open streams on this instance.
   */
  watch(live: LiveIdentity): SessionWatch {
    return this.watchers.watch(live);
  }

  /** What is being watched (tests: bounded under a flood, nothing left behind). */
  counts(): WatcherCounts {
    return this.watchers.counts();
  }
}

/** The ticket's session and user are live, its version current and its access token not revoked. */
const liveSql = (now: Date) => Prisma.sql`(
  s.revoked_at IS NULL AND s.expires_at > ${now} AND u.disabled_at IS NULL
  AND u.token_version = t.token_version
  AND NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = t.jti))`;
