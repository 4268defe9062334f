import { randomUUID } from "node:crypto";

import type { Redis } from "ioredis";

import type { RevocationEvent } from "../types";
import { LocalRevocationBus } from "./bus";

/**
 * Redis pub/sub fan-out, for PostgreSQL deployments that set `REDIS_URL`: the instances then
 * share revocations through the Redis they already use for the store and the limits, and hold
 * no LISTEN connection on PostgreSQL (which a transaction-pooling PgBouncer cannot carry).
 * Local listeners hear local events at once, remote ones through the channel. Publishing goes
 * over the commands connection; receiving needs a connection of its own (subscriber mode),
 * which ioredis redials and resubscribes by itself after a loss. Delivery is at most once:
 * streams re-read the database on a timer, so a message lost in an outage only delays them.
 */
export class RedisRevocationBus extends LocalRevocationBus {
  private readonly instance = randomUUID();
  /** Pub/sub ignores database numbers: the channel names one, so deployments sharing a Redis
   * on different databases do not hear each other. */
  private readonly channel: string;
  private readonly subscriber: Redis;

  constructor(private readonly publisher: Redis) {
    super();
    this.channel = `auth:revocations:${publisher.options.db ?? 0}`;
    this.subscriber = publisher.duplicate({ connectionName: "authkit-revocations" });
    this.subscriber.on("error", () => undefined);
    this.subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
  }

  /** Resolves once this process is subscribed. */
  async start(): Promise<void> {
    await this.subscriber.connect();
    await this.subscriber.subscribe(this.channel);
  }

  override async publish(event: RevocationEvent): Promise<void> {
    this.deliver(event);
    await this.publisher.publish(this.channel, JSON.stringify({ from: this.instance, event }));
  }

  override async close(): Promise<void> {
    await super.close();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private receive(message: string): void {
    try {
      const { from, event } = JSON.parse(message) as { from: string; event: RevocationEvent };
      if (from !== this.instance) this.deliver(event);
    } catch {
      // Not ours: ignore.
    }
  }
}
