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
 * The one derivation of the client address, for both mounts, as `proxy-addr` (Express) does it:
 * walk from the socket's peer back through `X-Forwarded-For` while the hops are trusted, and
 * take the first one that is not. The leftmost entry is never believed just for being there:
 * behind a proxy that appends, every client chooses it.
 *
 * A Next route handler does not see its socket; with TRUST_PROXY set, the unseen peer is the
 * platform's proxy and counts as the first trusted hop. Without TRUST_PROXY it has no address
 * at all (null), and per-address limits use their documented shared bucket.
 */
export function createClientAddress(trust: TrustProxy): ClientAddress {
  if (!trust) return (socketAddress) => socketAddress ?? null;
  const trusted =
    "hops" in trust
      ? (_address: string, hop: number) => hop < trust.hops
      : proxyAddr.compile(trust.addresses);
  return (socketAddress, forwardedFor) => {
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
