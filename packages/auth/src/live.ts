import { Prisma, type Database } from "@authkit/db";

import type { Clock } from "./clock";
import { orUnavailable, unauthenticated } from "./errors";
import { sha256, type Random } from "./random";
import { addressHit, type RateGate, type RateLimits } from "./rate-gate";
import type { RevocationBus } from "./revocation/bus";
import type { Identity, RevocationReason } from "./types";

/** Opaque, single use, valid 30 seconds (docs/api.md: `auth.ticket`). */
export const TICKET_TTL_SECONDS = 30;
const TICKET_BYTES = 32;
const MAX_TICKET_LENGTH = 128;
/** How often a live stream re-reads the database, in case a notification was lost. */
const RECHECK_MS = 15_000;

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
  limits: Pick<RateLimits, "liveIp">;
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
  constructor(private readonly deps: LiveSessionsDeps) {}

  async issueTicket(identity: Identity): Promise<{ ticket: string; expiresIn: number }> {
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
   * Watches one session for as long as a stream lives: revocations arrive through the bus at
   * once; a timer ends the stream when the session's refresh lifetime does; a periodic re-read
   * covers a notification lost while the bus reconnected.
   */
  watch(live: LiveIdentity): SessionWatch {
    const controller = new AbortController();
    let resolveEnded!: (reason: StreamEndReason) => void;
    const ended = new Promise<StreamEndReason>((resolve) => (resolveEnded = resolve));
    const end = (reason: StreamEndReason) => {
      if (controller.signal.aborted) return;
      cleanup();
      resolveEnded(reason);
      controller.abort(reason);
    };
    const unsubscribe = this.deps.bus.subscribe((event) => {
      if (event.userId !== live.user.id) return;
      if (event.kind === "sessions" && event.sessionIds.includes(live.session.id))
        end(event.reason);
      if (event.kind === "user" && event.version > live.tokenVersion) end(event.reason);
      if (event.kind === "token" && event.jti === live.jti) end(event.reason);
    });
    const expiry = setTimeout(
      () => end("session_expired"),
      Math.max(0, live.session.expiresAt.getTime() - this.deps.clock.now()),
    );
    const recheck = setInterval(
      () => void this.recheck(live).then((reason) => reason && end(reason)),
      RECHECK_MS,
    );
    expiry.unref?.();
    recheck.unref?.();
    function cleanup() {
      unsubscribe();
      clearTimeout(expiry);
      clearInterval(recheck);
    }
    return {
      signal: controller.signal,
      ended,
      close: () => {
        if (!controller.signal.aborted) {
          cleanup();
          controller.abort("closed");
        }
      },
    };
  }

  private async recheck(live: LiveIdentity): Promise<StreamEndReason | null> {
    try {
      const { prisma } = this.deps.db;
      const [session, denied] = await Promise.all([
        prisma.session.findUnique({
          where: { id: live.session.id },
          select: {
            revokedAt: true,
            revokedReason: true,
            user: { select: { tokenVersion: true, disabledAt: true } },
          },
        }),
        prisma.revokedAccessToken.findUnique({ where: { jti: live.jti }, select: { jti: true } }),
      ]);
      if (!session) return "session_revoked";
      if (session.revokedAt) return session.revokedReason ?? "session_revoked";
      if (session.user.disabledAt) return "user_disabled";
      if (session.user.tokenVersion !== live.tokenVersion) return "token_version_changed";
      if (denied) return "token_revoked";
      return null;
    } catch {
      // The database is unreachable: keep the stream; the next request the client makes fails closed.
      return null;
    }
  }
}

/** The ticket's session and user are live, its version current and its access token not revoked. */
const liveSql = (now: Date) => Prisma.sql`(
  s.revoked_at IS NULL AND s.expires_at > ${now} AND u.disabled_at IS NULL
  AND u.token_version = t.token_version
  AND NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = t.jti))`;
