/**
 * An Upstash-compatible REST endpoint in front of a real redis-server, so code
 * using @upstash/redis (and @upstash/ratelimit) can be tested and developed
 * locally. Test and dev tooling only: one shared token, no TLS.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { RedisExecutor } from "./commands";
import { createRequestHandler } from "./http";

export interface UpstashRestOptions {
  /** Where redis-server is; defaults to redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** The bearer token clients must send (UPSTASH_REDIS_REST_TOKEN on their side). */
  token: string;
  /** Port to listen on; 0 (the default) picks a free one. Pass the old port to restart in place. */
  port?: number;
  /** Address to listen on; defaults to 127.0.0.1. */
  host?: string;
}

export interface UpstashRest {
  /** Base URL for clients (UPSTASH_REDIS_REST_URL), e.g. http://127.0.0.1:41234. */
  url: string;
  /** The port actually bound, useful to restart on the same one after close(). */
  port: number;
  /** Stops listening, drops every open (keep-alive) socket and the redis connections. */
  close(): Promise<void>;
}

export async function startUpstashRest(options: UpstashRestOptions): Promise<UpstashRest> {
  if (!options.token) throw new Error("startUpstashRest: a non-empty token is required");
  const host = options.host ?? "127.0.0.1";
  const redisUrl = options.redisUrl ?? "redis://127.0.0.1:6379";

  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectionName: "upstash-rest",
    // A command cut off by a dropped connection must fail, not be silently
    // resent: resending half a MULTI/EXEC would run it outside the transaction.
    autoResendUnfulfilledCommands: false,
    // Fail requests quickly while redis is down instead of queueing them ~30 s.
    maxRetriesPerRequest: 2,
  });
  // Connection trouble reaches callers as failed requests; without a listener
  // ioredis would also print every reconnect attempt as an unhandled error.
  redis.on("error", () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`startUpstashRest: cannot connect to redis: ${(error as Error).message}`);
  }

  const executor = new RedisExecutor(redis);
  const server = createServer(createRequestHandler({ token: options.token, executor }));
  try {
    server.listen(options.port ?? 0, host);
    await once(server, "listening");
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // server.close() only stops accepting; clients keep idle keep-alive
      // sockets open, and tests expect a closed endpoint to refuse at once.
      server.closeAllConnections();
      executor.closeBlockingConnections();
      await stopped;
      await redis.quit().catch(() => redis.disconnect());
    })();
    return closing;
  };

  return { url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`, port, close };
}
