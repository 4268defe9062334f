import { createServer, type RequestListener, type Server } from "node:http";
import { isIPv6, type Socket } from "node:net";

import proxyAddr from "proxy-addr";

import type { Config, TrustProxy } from "@authkit/config";

/**
 * How often Node looks for requests past their headers or request timeout. Node's default (30 s)
 * would let a half-sent request outlive a 10 s headers timeout threefold.
 */
const TIMEOUT_CHECK_MS = 1000;

/**
 * The one Node HTTP server of every deployment that runs its own (the custom server of
 * `pnpm start` / `pnpm dev`, the standalone API server), with the limits that keep one host from
 * exhausting the process's file descriptors with half-sent requests (slowloris):
 *
 * - headers must arrive within `HTTP_HEADERS_TIMEOUT`, the whole request within
 *   `HTTP_REQUEST_TIMEOUT` (Node answers 408 and closes), checked every second;
 * - an idle keep-alive connection closes after `HTTP_KEEP_ALIVE_TIMEOUT`;
 * - at most `HTTP_MAX_CONNECTIONS` sockets (Node drops the next one at once), and at most
 *   `HTTP_MAX_CONNECTIONS_PER_IP` from one peer address (a /64 for IPv6, where one host holds a
 *   whole prefix). A peer `TRUST_PROXY` trusts is exempt: every client behind it shares its
 *   address, and the proxy holds its own limits (docs/security.md says which).
 *
 * WebSockets are sockets like any other: they count against both caps for as long as they live.
 */
export function createHttpServer(
  config: Pick<Config, "http" | "trustProxy">,
  listener: RequestListener,
): Server {
  const { http } = config;
  const server = createServer(
    {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      keepAliveTimeout: http.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, http.headersTimeoutMs),
    },
    listener,
  );
  server.maxConnections = http.maxConnections;
  limitConnectionsPerAddress(server, http.maxConnectionsPerAddress, exemptPeer(config.trustProxy));
  return server;
}

/** Counts open sockets per peer address and destroys one over the cap before it is read. */
function limitConnectionsPerAddress(
  server: Server,
  cap: number,
  exempt: (address: string) => boolean,
): void {
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress;
    if (!address || exempt(address)) return;
    const key = addressKey(address);
    const count = open.get(key) ?? 0;
    if (count >= cap) {
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once("close", () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}

/** The peers the per-address cap leaves alone: the proxies `TRUST_PROXY` names. */
function exemptPeer(trust: TrustProxy): (address: string) => boolean {
  if (!trust) return () => false;
  // A hop count trusts whoever connects: that is the proxy every client comes through.
  if ("hops" in trust) return () => trust.hops > 0;
  const trusted = proxyAddr.compile(trust.addresses);
  return (address) => trusted(address, 0);
}

/**
 * What the per-address cap counts: an IPv4 address (IPv4-mapped IPv6 included, so a dual-stack
 * socket counts the same host once), or the /64 of an IPv6 address.
 */
export function addressKey(address: string): string {
  const bare = address.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1]!;
  if (!isIPv6(bare)) return bare;
  const [head = "", tail = ""] = bare.toLowerCase().split("::");
  // An embedded IPv4 tail (`64:ff9b::1.2.3.4`) fills two groups.
  const split = (part: string) =>
    part ? part.split(":").flatMap((g) => (g.includes(".") ? [g, g] : [g])) : [];
  const left = split(head);
  const right = bare.includes("::") ? split(tail) : [];
  const groups = bare.includes("::")
    ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
