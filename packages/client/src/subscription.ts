/**
 * Subscriptions authenticated by a single-use ticket (`auth.ticket`), for any tRPC subscription
 * guarded by `ticketProcedure`: get a ticket, subscribe with it, and when the stream fails or
 * ends, get a NEW ticket and subscribe again, after a backoff. A ticket is spent by the first
 * connection, so nothing may reconnect with the old one (the link's EventSource does not, see
 * `link.ts`), and the access token never goes near a URL.
 *
 *   const live = createTicketedSubscription({
 *     getTicket: async () => (await trpc.auth.ticket.mutate()).ticket,
 *     subscribe: (ticket, handlers) => trpc.notes.changes.subscribe({ ticket }, handlers),
 *     onData: (change) => render(change),
 *     onEnd: () => (tokens.getState().status === "signedIn" ? "retry" : "stop"),
 *   });
 *   live.start();
 *   // later: live.stop();
 *
 * One ticket per connection attempt and an exponential, jittered backoff between attempts: a
 * server that refuses or drops every connection sees a request every minute at most, never a
 * tight loop. A connection that stayed up for a while starts the backoff over.
 */
import type { Unsubscribable } from "@trpc/server/observable";

// ---- Backoff (pure) ---------------------------------------------------------------------------

export interface BackoffOptions {
  /** The delay ceiling of the first retry. */
  initialMs: number;
  /** The largest delay ceiling. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 60_000 };

/**
 * The wait before retry number `attempt` (0 for the first): the ceiling doubles from
 * `initialMs` up to `maxMs`, and the wait is a random point in its upper half, so that the
 * clients of a restarted server do not all come back in the same millisecond.
 */
export function reconnectDelayMs(
  attempt: number,
  random: () => number = Math.random,
  { initialMs, maxMs }: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const jitter = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (jitter * ceiling) / 2);
}

// ---- The subscription loop --------------------------------------------------------------------

/** The handlers a tRPC client's `.subscribe(input, handlers)` takes (the part used here). */
export interface SubscriptionHandlers<T> {
  onStarted: () => void;
  onData: (data: T) => void;
  onError: (error: unknown) => void;
  onComplete: () => void;
}

/** How a connection ended: `ticket` when `getTicket` failed, `stream` when the stream did. */
export interface SubscriptionEnd {
  phase: "ticket" | "stream";
  /** What failed; null when the server ended the stream normally. */
  error: unknown;
}

export type AfterEnd = "retry" | "stop";

export type TicketedSubscriptionStatus =
  /** Not started, or stopped. */
  | "idle"
  /** Getting a ticket or opening the stream. */
  | "connecting"
  /** The stream is open. */
  | "open"
  /** The last attempt ended; waiting out the backoff (or `onEnd`) before the next one. */
  | "waiting";

export interface TicketedSubscriptionOptions<T> {
  /** A fresh ticket for each attempt, e.g. `(await trpc.auth.ticket.mutate()).ticket`. */
  getTicket: () => Promise<string>;
  /** Opens the subscription with the ticket in its input. */
  subscribe: (ticket: string, handlers: SubscriptionHandlers<T>) => Unsubscribable;
  onData: (data: T) => void;
  /**
   * After each failure or end: `"retry"` (the default) reconnects with a new ticket after the
   * backoff, `"stop"` gives up. May be async (e.g. refresh the access token first).
   */
  onEnd?: (end: SubscriptionEnd) => AfterEnd | Promise<AfterEnd>;
  onStatus?: (status: TicketedSubscriptionStatus) => void;
  backoff?: Partial<BackoffOptions>;
  /** A connection open this long was healthy: the next retry waits the shortest backoff again. */
  stableAfterMs?: number;
  /**
   * Tells when the network comes back, to retry at once instead of waiting out the backoff.
   * Default: the window's `online` event.
   */
  onOnline?: ((callback: () => void) => () => void) | null;
  random?: () => number;
  now?: () => number;
}

export interface TicketedSubscription {
  readonly status: TicketedSubscriptionStatus;
  /** Connects (idempotent). */
  start(): void;
  /** Closes the stream and cancels any pending retry; `start()` begins again. */
  stop(): void;
}

function windowOnline(callback: () => void): () => void {
  if (typeof window === "undefined") return () => undefined;
  window.addEventListener("online", callback);
  return () => window.removeEventListener("online", callback);
}

export function createTicketedSubscription<T>(
  options: TicketedSubscriptionOptions<T>,
): TicketedSubscription {
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const onOnline = options.onOnline === undefined ? windowOnline : options.onOnline;

  let status: TicketedSubscriptionStatus = "idle";
  let running = false;
  /** Bumped by every attempt and by stop(): callbacks of an older attempt are ignored. */
  let attemptId = 0;
  let failures = 0;
  let subscription: Unsubscribable | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopWatchingOnline: (() => void) | null = null;

  const setStatus = (next: TicketedSubscriptionStatus) => {
    if (status === next) return;
    status = next;
    options.onStatus?.(next);
  };

  const close = () => {
    const current = subscription;
    subscription = null;
    current?.unsubscribe();
  };

  async function connect(): Promise<void> {
    clearTimeout(retryTimer);
    const id = ++attemptId;
    const current = () => running && id === attemptId;
    setStatus("connecting");
    let ticket: string;
    try {
      ticket = await options.getTicket();
    } catch (error) {
      if (current()) await ended(id, { phase: "ticket", error }, null);
      return;
    }
    if (!current()) return;
    let openedAt: number | null = null;
    let finished = false;
    const opened = () => {
      if (openedAt !== null) return;
      openedAt = now();
      setStatus("open");
    };
    const finish = (error: unknown) => {
      if (finished || !current()) return;
      finished = true;
      close();
      void ended(id, { phase: "stream", error }, openedAt);
    };
    const handlers: SubscriptionHandlers<T> = {
      onStarted: () => {
        if (current() && !finished) opened();
      },
      onData: (data) => {
        if (!current() || finished) return;
        opened();
        options.onData(data);
      },
      onError: (error) => finish(error),
      onComplete: () => finish(null),
    };
    try {
      const sub = options.subscribe(ticket, handlers);
      // The stream may have failed synchronously, or onData may have stopped us.
      if (finished || !current()) sub.unsubscribe();
      else subscription = sub;
    } catch (error) {
      finish(error);
    }
  }

  async function ended(id: number, end: SubscriptionEnd, openedAt: number | null): Promise<void> {
    if (openedAt !== null && now() - openedAt >= stableAfterMs) failures = 0;
    setStatus("waiting");
    let decision: AfterEnd;
    try {
      decision = (await options.onEnd?.(end)) ?? "retry";
    } catch {
      decision = "retry";
    }
    if (!running || id !== attemptId) return;
    if (decision === "stop") {
      stop();
      return;
    }
    retryTimer = setTimeout(() => void connect(), reconnectDelayMs(failures++, random, backoff));
  }

  function start(): void {
    if (running) return;
    running = true;
    failures = 0;
    stopWatchingOnline =
      onOnline?.(() => {
        // Back online: the next attempt should not wait out a minute of backoff.
        if (running && status === "waiting") {
          failures = 0;
          void connect();
        }
      }) ?? null;
    void connect();
  }

  function stop(): void {
    if (!running) return;
    running = false;
    attemptId++;
    clearTimeout(retryTimer);
    stopWatchingOnline?.();
    stopWatchingOnline = null;
    close();
    setStatus("idle");
  }

  return {
    get status() {
      return status;
    },
    start,
    stop,
  };
}
