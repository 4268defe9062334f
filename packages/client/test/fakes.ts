import type { ChannelLike, LockManagerLike, Session } from "../src";

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

/** BroadcastChannel between "tabs": asynchronous delivery to every other member. */
export class FakeChannelHub {
  private members = new Set<FakeChannel>();
  sent: unknown[] = [];

  join(): FakeChannel {
    const channel = new FakeChannel(this);
    this.members.add(channel);
    return channel;
  }

  deliver(from: FakeChannel, message: unknown): void {
    this.sent.push(message);
    const data: unknown = structuredClone(message);
    for (const member of this.members) {
      if (member !== from) setTimeout(() => member.emit(data), 0);
    }
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
