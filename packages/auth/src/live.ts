import type { Database, Prisma } from "@authkit/db";

import type { Clock } from "./clock";
import { AuthError, orUnavailable } from "./errors";
import { sha256, type Random } from "./random";
import type { RevocationBus } from "./revocation/bus";
import type { Identity, RevocationReason } from "./service";

/** docs/api.md: opaque, single use, valid 30 s. */
export const TICKET_TTL_SECONDS = 30;
const TICKET_BYTES = 32;
/** How often a live stream re-reads the database, in case a notification was lost. */
const RECHECK_MS = 15_000;

/** Who a redeemed ticket speaks for, and until when the session may live. */
export interface LiveIdentity {
  user: { id: string };
  session: { id: string; expiresAt: Date };
  tokenVersion: number;
}

/** Handed to a guarded subscription: aborts when the session dies, with the reason. */
export interface SessionWatch {
  signal: AbortSignal;
  /** Resolves with the reason when the session is revoked or ends; never rejects. */
  ended: Promise<RevocationReason | "session_expired">;
  close(): void;
}

export interface LiveSessionsDeps {
  db: Pick<Database, "prisma">;
  bus: RevocationBus;
  clock: Clock;
  random: Random;
}

const ticketSelect = {
  tokenVersion: true,
  consumedAt: true,
  expiresAt: true,
  session: {
    select: {
      id: true,
      expiresAt: true,
      revokedAt: true,
      user: { select: { id: true, tokenVersion: true } },
    },
  },
} satisfies Prisma.SessionTicketSelect;

/** The ticket's session is neither revoked nor expired, and the user's tokens were not bumped. */
function sessionLives(
  row: Prisma.SessionTicketGetPayload<{ select: typeof ticketSelect }>,
  now: number,
): boolean {
  return (
    !row.session.revokedAt &&
    row.session.expiresAt.getTime() > now &&
    row.session.user.tokenVersion === row.tokenVersion
  );
}

/**
 * Subscriptions cannot carry an Authorization header from a browser (EventSource, WebSocket),
 * and an access token in a URL ends up in logs and history. A ticket is the answer: minted by
 * a protected call, stored hashed, bound to the session and token version, redeemable once
 * within 30 seconds.
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
          tokenVersion: identity.token.ver,
          expiresAt: new Date(this.deps.clock.now() + TICKET_TTL_SECONDS * 1000),
        },
      }),
    );
    return { ticket, expiresIn: TICKET_TTL_SECONDS };
  }

  /** Whether `redeemTicket` would accept this ticket now; consumes nothing. */
  async isRedeemable(ticket: string): Promise<boolean> {
    if (!ticket || ticket.length > 128) return false;
    const row = await this.deps.db.prisma.sessionTicket.findUnique({
      where: { tokenHash: sha256(ticket) },
      select: ticketSelect,
    });
    const now = this.deps.clock.now();
    return !!row && !row.consumedAt && row.expiresAt.getTime() > now && sessionLives(row, now);
  }

  /** Consumes the ticket atomically; refuses a used, expired, unknown or revoked one. */
  async redeemTicket(ticket: string): Promise<LiveIdentity> {
    if (!ticket || ticket.length > 128) throw new AuthError("UNAUTHENTICATED");
    const tokenHash = sha256(ticket);
    const now = new Date(this.deps.clock.now());
    const { prisma } = this.deps.db;
    const row = await orUnavailable(async () => {
      const { count } = await prisma.sessionTicket.updateMany({
        where: { tokenHash, consumedAt: null, expiresAt: { gt: now } },
        data: { consumedAt: now },
      });
      if (count !== 1) return null;
      return prisma.sessionTicket.findUnique({ where: { tokenHash }, select: ticketSelect });
    });
    if (!row || !sessionLives(row, now.getTime())) throw new AuthError("UNAUTHENTICATED");
    return {
      user: { id: row.session.user.id },
      session: { id: row.session.id, expiresAt: row.session.expiresAt },
      tokenVersion: row.tokenVersion,
    };
  }

  /**
   * Watches one session for as long as a stream lives: revocations arrive through the bus at
   * once; a timer ends the stream when the session's refresh lifetime does; a periodic re-read
   * covers a notification lost while the bus reconnected.
   */
  watch(live: LiveIdentity): SessionWatch {
    const controller = new AbortController();
    let resolveEnded!: (reason: RevocationReason | "session_expired") => void;
    const ended = new Promise<RevocationReason | "session_expired">(
      (resolve) => (resolveEnded = resolve),
    );
    const end = (reason: RevocationReason | "session_expired") => {
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

  private async recheck(live: LiveIdentity): Promise<RevocationReason | null> {
    try {
      const session = await this.deps.db.prisma.session.findUnique({
        where: { id: live.session.id },
        select: { revokedAt: true, revokedReason: true, user: { select: { tokenVersion: true } } },
      });
      if (!session) return "session_revoked";
      if (session.revokedAt)
        return (session.revokedReason as RevocationReason | null) ?? "session_revoked";
      if (session.user.tokenVersion !== live.tokenVersion) return "token_version_changed";
      return null;
    } catch {
      // The database is unreachable: keep the stream; the next request the client makes fails closed.
      return null;
    }
  }
}
