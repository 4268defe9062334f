import { vi } from "vitest";

import type { ChannelLike } from "../src/channel";
import type { LockManagerLike } from "../src/lock";
import type { Session } from "../src/types";

/**
 * One turn of the real event loop: every pending promise callback runs, however long the chain,
 * and no fake timer fires. Captured at import, before a test installs fake timers (which replace
 * `setImmediate` too). It waits for no clock: nothing in these fakes does real I/O.
 */
const realSetImmediate = globalThis.setImmediate;
export const drainMicrotasks = () =>
  new Promise<void>((resolve) => {
    realSetImmediate(resolve);
  });

/** Web Locks semantics that matter here: FIFO per name, abortable waits, `steal`. */
export class FakeLocks implements LockManagerLike {
  private held = false;
  private queue: (() => void)[] = [];
  requests = 0;

  async request<T>(
    _name: string,
    options: { signal?: AbortSignal; steal?: boolean },
    callback: () => Promise<T>,
  ): Promise<T> {
    this.requests++;
    if (options.steal) {
      this.held = false;
    } else if (this.held) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          this.queue = this.queue.filter((entry) => entry !== grant);
          reject(new DOMException("timed out", "TimeoutError"));
        };
        const grant = () => {
          options.signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        options.signal?.addEventListener("abort", onAbort);
        this.queue.push(grant);
      });
    }
    this.held = true;
    try {
      return await callback();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.held = false;
    }
  }

  /** Simulates a tab that took the lock and never gives it back. */
  holdForever(): void {
    this.held = true;
  }
}

/**
 * BroadcastChannel between "tabs": a message reaches every other member, asynchronously, and only
 * when the test calls `flush()` (or `FakeTime` does, before each timer). Nothing depends on how
 * fast a timer or the machine is.
 */
export class FakeChannelHub {
  private members = new Set<FakeChannel>();
  private queue: { to: FakeChannel; data: unknown }[] = [];
  sent: unknown[] = [];

  join(): FakeChannel {
    const channel = new FakeChannel(this);
    this.members.add(channel);
    return channel;
  }

  deliver(from: FakeChannel, message: unknown): void {
    this.sent.push(message);
    // Each receiver gets its own copy, as with structured clone across tabs.
    for (const member of this.members) {
      if (member !== from) this.queue.push({ to: member, data: structuredClone(message) });
    }
  }

  /**
   * Delivers every message posted so far, then those the receivers post in reply, until the tabs
   * are quiet. Promise callbacks run in between, as they would between two browser tasks.
   */
  async flush(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      await drainMicrotasks();
      if (this.queue.length === 0) return;
      for (const { to, data } of this.queue.splice(0)) {
        // A tab that closed its channel meanwhile receives nothing, like a real one.
        if (this.members.has(to)) to.emit(data);
      }
    }
    throw new Error("the tabs kept messaging each other for 100 rounds: a broadcast loop");
  }

  leave(channel: FakeChannel): void {
    this.members.delete(channel);
  }
}

export class FakeChannel implements ChannelLike {
  private listeners: ((event: { data: unknown }) => void)[] = [];
  constructor(private readonly hub: FakeChannelHub) {}
  postMessage(message: unknown): void {
    this.hub.deliver(this, message);
  }
  addEventListener(_type: "message", listener: (event: { data: unknown }) => void): void {
    this.listeners.push(listener);
  }
  emit(data: unknown): void {
    for (const listener of this.listeners) listener({ data });
  }
  close(): void {
    this.hub.leave(this);
  }
}

export const user = {
  id: "00000000-0000-4000-8000-000000000001",
  email: "ada@example.com",
  name: "Ada",
  role: "user" as const,
};

export function unauthorized(): Error {
  return Object.assign(new Error("Unauthorized"), {
    data: { code: "UNAUTHORIZED", httpStatus: 401 },
  });
}

/** The server side of refresh: a counter of rotations, a kill switch, a latency. */
export class FakeServer {
  rotations = 0;
  logouts: (string | null)[] = [];
  alive = true;
  latencyMs = 10;
  expiresIn = 900;

  transport() {
    return {
      refresh: async (): Promise<Session> => {
        await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
        if (!this.alive) throw unauthorized();
        this.rotations++;
        return {
          accessToken: `token-${this.rotations}`,
          tokenType: "Bearer",
          expiresIn: this.expiresIn,
          user,
        };
      },
      logout: async (token: string | null) => {
        await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
        this.logouts.push(token);
        this.alive = false;
      },
    };
  }
}

/**
 * Fake time that only the test moves (vitest fake timers must be installed). Before each timer
 * fires, channel messages are delivered: a BroadcastChannel hop (about a millisecond) always
 * beats the client's timeouts, and here it does so by construction rather than by luck.
 */
export class FakeTime {
  constructor(private readonly hub?: FakeChannelHub) {}

  /** Delivers pending messages and lets promise callbacks run; moves no clock. */
  flush(): Promise<void> {
    return this.hub ? this.hub.flush() : drainMicrotasks();
  }

  /** Moves the clock `ms` ahead, firing the timers due on the way one by one. */
  async advance(ms: number): Promise<void> {
    await this.drive(() => false, ms);
  }

  /** Moves the clock until `promise` settles; fails if it is still pending after `withinMs`. */
  async run<T>(promise: Promise<T>, withinMs = 60_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    if (!(await this.drive(() => settled, withinMs)))
      throw new Error(`still pending after ${withinMs} ms of fake time`);
    return promise;
  }

  /**
   * `expect.poll` on the fake clock: moves it one timer at a time until `check` passes, and
   * rethrows its last failure if it has not after `withinMs`.
   */
  async until(check: () => void, withinMs = 2_000): Promise<void> {
    let failure: unknown;
    const passes = () => {
      try {
        check();
        return true;
      } catch (error) {
        failure = error;
        return false;
      }
    };
    if (!(await this.drive(passes, withinMs))) throw failure;
  }

  /** One timer at a time, messages in between; a sentinel timer marks the end, never passed. */
  private async drive(done: () => boolean, ms: number): Promise<boolean> {
    let reached = false;
    const sentinel = setTimeout(() => (reached = true), ms);
    try {
      for (;;) {
        await this.flush();
        if (done()) return true;
        if (reached) return false;
        await vi.advanceTimersToNextTimerAsync();
      }
    } finally {
      clearTimeout(sentinel);
    }
  }
}
