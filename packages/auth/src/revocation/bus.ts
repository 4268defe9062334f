import { randomUUID } from "node:crypto";

import pg from "pg";

import type { RevocationEvent } from "../types";

/**
 * Carries revocations to the live streams of every process. On the embedded database there is
 * one process, so the bus is a set of callbacks; with PostgreSQL it is LISTEN/NOTIFY on the
 * database every instance already shares, so there is no broker of our own to run.
 */
export interface RevocationBus {
  publish(event: RevocationEvent): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: RevocationEvent) => void): () => void;
  /** Live subscriptions, so tests can prove closed streams leave nothing behind. */
  listenerCount(): number;
  close(): Promise<void>;
}

export class LocalRevocationBus implements RevocationBus {
  protected readonly listeners = new Set<(event: RevocationEvent) => void>();

  publish(event: RevocationEvent): Promise<void> {
    this.deliver(event);
    return Promise.resolve();
  }

  subscribe(listener: (event: RevocationEvent) => void): () => void {
    // A wrapper per call, so subscribing the same function twice needs two unsubscribes.
    const entry = (event: RevocationEvent) => listener(event);
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  protected deliver(event: RevocationEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One broken stream must not keep the others from hearing about a revocation.
      }
    }
  }
}

const CHANNEL = "auth_revocations";

/** LISTEN/NOTIFY fan-out. Local listeners hear local events at once, remote ones via NOTIFY. */
export class PostgresRevocationBus extends LocalRevocationBus {
  private readonly instance = randomUUID();
  private readonly publisher: pg.Pool;
  private listener: pg.Client | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;

  constructor(private readonly url: string) {
    super();
    this.publisher = new pg.Pool({ connectionString: url, max: 2 });
    this.publisher.on("error", () => undefined);
  }

  /** Resolves once this process is LISTENing; reconnects by itself after a lost connection. */
  start(): Promise<void> {
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  override async publish(event: RevocationEvent): Promise<void> {
    this.deliver(event);
    const payload = JSON.stringify({ from: this.instance, event });
    await this.publisher.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
    await this.listener?.end().catch(() => undefined);
    await this.publisher.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on("notification", (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        const { from, event } = JSON.parse(message.payload) as {
          from: string;
          event: RevocationEvent;
        };
        if (from !== this.instance) this.deliver(event);
      } catch {
        // Not ours: ignore.
      }
    });
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.reconnectLater();
    };
    client.on("error", lost);
    client.on("end", lost);
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private reconnectLater(): void {
    if (this.closed) return;
    // Streams re-check the store on a timer meanwhile, so a missed NOTIFY only delays.
    setTimeout(() => void this.start().catch(() => this.reconnectLater()), 1000).unref();
  }
}
