import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  createTicketedSubscription,
  reconnectDelayMs,
  type SubscriptionHandlers,
  type TicketedSubscriptionOptions,
} from "../src/subscription";

/** A subscription endpoint stand-in: counts tickets, records every stream it opened. */
function fakeEndpoint() {
  let issued = 0;
  const streams: { ticket: string; handlers: SubscriptionHandlers<string>; closed: boolean }[] = [];
  const endpoint = {
    streams,
    ticketFailure: null as Error | null,
    get tickets() {
      return issued;
    },
    getTicket: () => {
      if (endpoint.ticketFailure) return Promise.reject(endpoint.ticketFailure);
      return Promise.resolve(`ticket-${++issued}`);
    },
    subscribe: (ticket: string, handlers: SubscriptionHandlers<string>) => {
      const stream = { ticket, handlers, closed: false };
      streams.push(stream);
      return { unsubscribe: () => void (stream.closed = true) };
    },
    /** The stream opened last (and still the one being listened to). */
    get last() {
      return streams[streams.length - 1]!;
    },
  };
  return endpoint;
}

function setup(overrides: Partial<TicketedSubscriptionOptions<string>> = {}) {
  const endpoint = fakeEndpoint();
  const received: string[] = [];
  const statuses: string[] = [];
  const sub = createTicketedSubscription<string>({
    getTicket: endpoint.getTicket,
    subscribe: endpoint.subscribe,
    onData: (data) => received.push(data),
    onStatus: (status) => statuses.push(status),
    onOnline: null,
    // The longest wait of each backoff step, so the tests can name exact times.
    random: () => 1,
    ...overrides,
  });
  return { endpoint, received, statuses, sub };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("reconnectDelayMs", () => {
  it("doubles from 1 s up to a minute, with jitter in the upper half", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => reconnectDelayMs(n, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
    expect([0, 1, 6].map((n) => reconnectDelayMs(n, () => 0))).toEqual([500, 1_000, 30_000]);
    for (let i = 0; i < 100; i++) {
      const delay = reconnectDelayMs(3);
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(8_000);
    }
  });

  it("never returns nonsense for odd inputs", () => {
    expect(reconnectDelayMs(-1, () => 1)).toBe(1_000);
    expect(reconnectDelayMs(1e9, () => 2)).toBe(60_000);
    expect(reconnectDelayMs(0, () => 1, { initialMs: 100, maxMs: 50 })).toBe(50);
  });
});

describe("createTicketedSubscription", () => {
  it("subscribes with a fresh ticket, and spends a new one on every reconnect", async () => {
    const { endpoint, received, sub } = setup();
    sub.start();
    sub.start(); // idempotent
    await vi.advanceTimersByTimeAsync(0);
    expect(endpoint.streams.map((s) => s.ticket)).toEqual(["ticket-1"]);
    endpoint.last.handlers.onStarted();
    expect(sub.status).toBe("open");
    endpoint.last.handlers.onData("hello");
    expect(received).toEqual(["hello"]);

    endpoint.last.handlers.onError(new Error("network"));
    expect(sub.status).toBe("waiting");
    await vi.advanceTimersByTimeAsync(999);
    expect(endpoint.tickets).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(endpoint.streams.map((s) => s.ticket)).toEqual(["ticket-1", "ticket-2"]);
    expect(endpoint.streams[0]!.closed).toBe(true);

    // A stream the server ended normally is reopened the same way.
    endpoint.last.handlers.onComplete();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(endpoint.streams.map((s) => s.ticket)).toEqual(["ticket-1", "ticket-2", "ticket-3"]);
    sub.stop();
  });

  it("backs off exponentially while every attempt fails: no tight loop", async () => {
    const attempts: number[] = [];
    const start = Date.now();
    const { sub } = setup({
      getTicket: () => {
        attempts.push(Date.now() - start);
        return Promise.reject(new Error("offline"));
      },
    });
    sub.start();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // 0, +1, +2, +4, ... +32, then every minute.
    expect(attempts.slice(0, 8)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000, 63_000, 123_000]);
    expect(attempts.length).toBeLessThanOrEqual(15);
    sub.stop();
  });

  it("starts the backoff over after a connection that stayed up", async () => {
    const { endpoint, sub } = setup({ stableAfterMs: 30_000 });
    sub.start();
    await vi.advanceTimersByTimeAsync(0);
    // Two quick failures: 1 s, then 2 s.
    endpoint.last.handlers.onError(new Error("x"));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(endpoint.tickets).toBe(2);
    endpoint.last.handlers.onStarted();
    endpoint.last.handlers.onError(new Error("x"));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(endpoint.tickets).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(endpoint.tickets).toBe(3);
    // This one lives a minute: the next failure waits the shortest step again.
    endpoint.last.handlers.onStarted();
    await vi.advanceTimersByTimeAsync(60_000);
    endpoint.last.handlers.onError(new Error("x"));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(endpoint.tickets).toBe(4);
    sub.stop();
  });

  it("stops: closes the stream, cancels the retry, ignores late events", async () => {
    const { endpoint, received, statuses, sub } = setup();
    sub.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = endpoint.last;
    first.handlers.onError(new Error("x"));
    await vi.advanceTimersByTimeAsync(0);
    sub.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(endpoint.tickets).toBe(1);
    first.handlers.onData("late");
    expect(received).toEqual([]);
    expect(sub.status).toBe("idle");
    expect(statuses).toEqual(["connecting", "waiting", "idle"]);

    // And starts again from scratch.
    sub.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(endpoint.tickets).toBe(2);
    endpoint.last.handlers.onData("again");
    expect(received).toEqual(["again"]);
    sub.stop();
    expect(endpoint.last.closed).toBe(true);
  });

  it("a stop while the ticket is on its way opens nothing", async () => {
    let release!: (ticket: string) => void;
    const { endpoint, sub } = setup({
      getTicket: () => new Promise<string>((resolve) => (release = resolve)),
    });
    sub.start();
    sub.stop();
    release("late-ticket");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(endpoint.streams).toEqual([]);
  });

  it("asks onEnd what to do: stop, or retry only once it has decided", async () => {
    const ends: unknown[] = [];
    let decide!: (decision: "retry" | "stop") => void;
    const { endpoint, sub } = setup({
      onEnd: (end) => {
        ends.push(end);
        return new Promise((resolve) => (decide = resolve));
      },
    });
    sub.start();
    await vi.advanceTimersByTimeAsync(0);
    const error = new Error("unauthorized");
    endpoint.last.handlers.onError(error);
    // A second report of the same end (error, then complete) counts once.
    endpoint.last.handlers.onComplete();
    expect(ends).toEqual([{ phase: "stream", error }]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(endpoint.tickets).toBe(1);
    decide("retry");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(endpoint.tickets).toBe(2);

    endpoint.ticketFailure = new Error("no ticket");
    endpoint.last.handlers.onComplete();
    decide("retry");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ends.at(-1)).toEqual({ phase: "ticket", error: endpoint.ticketFailure });
    decide("stop");
    await vi.advanceTimersByTimeAsync(0);
    expect(sub.status).toBe("idle");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(ends).toHaveLength(3);
  });

  it("retries at once when the network comes back", async () => {
    let online: (() => void) | undefined;
    const { endpoint, sub } = setup({
      onOnline: (callback) => {
        online = callback;
        return () => (online = undefined);
      },
    });
    endpoint.ticketFailure = new Error("offline");
    sub.start();
    await vi.advanceTimersByTimeAsync(7_000); // attempts at 0, 1 s, 3 s, 7 s; next at 15 s
    endpoint.ticketFailure = null;
    online?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(endpoint.streams).toHaveLength(1);
    expect(sub.status).toBe("connecting");
    sub.stop();
    expect(online).toBeUndefined();
  });

  it("a stream that fails while subscribing is retried like any other", async () => {
    const { endpoint, sub } = setup({
      subscribe: (ticket, handlers) => {
        handlers.onError(new Error(`refused ${ticket}`));
        return { unsubscribe: () => undefined };
      },
    });
    sub.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(endpoint.tickets).toBe(3);
    sub.stop();
  });
});
