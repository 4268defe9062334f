import { createTRPCUntypedClient, httpLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";

import type { AuthTransport, Session } from "./types";

/** A refresh or logout that has not answered in this time is abandoned (and the lock with it). */
export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * `keepalive`: if the page unloads while a refresh is in flight, the browser still completes it
 * and stores the rotated cookie. Without it the server would consume the old refresh token, the
 * browser would keep it, and the next refresh would look like a replay and end the session.
 */
const keepaliveFetch: typeof fetch = (input, init) => fetch(input, { ...init, keepalive: true });

/**
 * The default transport: `auth.refresh` and `auth.logout` over plain tRPC HTTP (no auth link).
 * Untyped on purpose (see `types.ts`): `test/server-types.ts` checks `Session` against the
 * router's `auth.refresh` output, and the contract test runs both paths against the real handler
 * (with a `timeoutMs` no loaded machine reaches: its subject is the exchange, not the timeout).
 */
export function createTrpcTransport(
  url: string,
  timeoutMs: number = REQUEST_TIMEOUT_MS,
): AuthTransport {
  const client = createTRPCUntypedClient<AnyTRPCRouter>({
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
      client.mutation("auth.refresh", undefined, {
        signal: AbortSignal.timeout(timeoutMs),
      }) as Promise<Session>,
    async logout(accessToken) {
      await client.mutation("auth.logout", undefined, {
        signal: AbortSignal.timeout(timeoutMs),
        context: { bearer: accessToken },
      });
    },
  };
}
