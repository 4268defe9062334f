import type { IncomingMessage } from "node:http";

import proxyAddr from "proxy-addr";

import type { TrustProxy } from "@authkit/config";

/** The client's address from the socket's peer and `X-Forwarded-For`; null when unknowable. */
export type ClientAddress = (
  socketAddress: string | undefined,
  forwardedFor: string | null | undefined,
) => string | null;

/** Stands for the hop in front of a route handler, which the handler cannot see. */
const UNSEEN_PEER = "0.0.0.0";

/**
 * Where a mount runs. `socket`: a node server that sees its peer (the custom server, the
 * standalone API server, the WebSocket upgrade). `next-only`: a Next route handler with no
 * custom server in front (`next start`, serverless), which cannot see its socket.
 */
export type AddressMode = "socket" | "next-only";

/**
 * The one derivation of the client address, for every mount, as `proxy-addr` (Express) does
 * it: walk from the socket's peer back through `X-Forwarded-For` while the hops are trusted,
 * and take the first one that is not. The leftmost entry is never believed just for being
 * there: behind a proxy that appends, every client chooses it.
 *
 * Only in `next-only` mode, with TRUST_PROXY set, does the unseen peer count as the first
 * trusted hop (it is the platform's proxy). A mount that should see its socket and does not
 * (a request the custom server did not hand over, a closed socket) has no address (null), and
 * per-address limits use their documented shared bucket: trusting the unseen peer there is
 * what let a direct client choose its address with `X-Forwarded-For` (issue 23, finding 4).
 */
export function createClientAddress(trust: TrustProxy, mode: AddressMode): ClientAddress {
  if (!trust) return (socketAddress) => socketAddress ?? null;
  const trusted =
    "hops" in trust
      ? (_address: string, hop: number) => hop < trust.hops
      : proxyAddr.compile(trust.addresses);
  return (socketAddress, forwardedFor) => {
    if (!socketAddress && mode === "socket") return null;
    const peer = socketAddress ?? UNSEEN_PEER;
    const trusts = socketAddress
      ? trusted
      : (address: string, hop: number) => hop === 0 || trusted(address, hop);
    // proxy-addr reads exactly these two fields of a request.
    const request = {
      socket: { remoteAddress: peer },
      headers: { "x-forwarded-for": forwardedFor ?? undefined },
    } as unknown as IncomingMessage;
    const address = proxyAddr(request, trusts);
    return address === UNSEEN_PEER && !socketAddress ? null : address;
  };
}
