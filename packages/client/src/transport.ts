import { createTRPCClient, httpLink } from "@trpc/client";

import type { AppRouter } from "@authkit/api";

import type { AuthTransport } from "./types";

/** A refresh or logout that has not answered in this time is abandoned (and the lock with it). */
export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * `keepalive`: if the page unloads while a refresh is in flight, the browser still completes it
 * and stores the rotated cookie. Without it the server would consume the old refresh token, the
 * browser would keep it, and the next refresh would look like a replay and end the session.
 */
const keepaliveFetch: typeof fetch = (input, init) => fetch(input, { ...init, keepalive: true });

/** The default transport: `auth.refresh` and `auth.logout` over plain tRPC HTTP (no auth link). */
export function createTrpcTransport(url: string): AuthTransport {
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url,
        fetch: keepaliveFetch,
        headers: ({ op }) => {
          const token = op.context.bearer;
          return typeof token === "string" ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
  return {
    refresh: () =>
      client.auth.refresh.mutate(undefined, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
    async logout(accessToken) {
      await client.auth.logout.mutate(undefined, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        context: { bearer: accessToken },
      });
    },
  };
}
