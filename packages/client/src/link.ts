import {
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type HTTPHeaders,
  type Operation,
  type TRPCLink,
} from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { observable, type Unsubscribable } from "@trpc/server/observable";

import type { AuthClient } from "./auth-client";
import { isUnauthorized } from "./errors";

/** Where the link leaves the token for the terminating link's `headers`. */
const TOKEN_KEY = "accessToken";

/**
 * Calls that must not wait for or send the access token, nor be retried after a 401: a 401 from
 * login means a wrong password, not an expired token.
 */
export const ANONYMOUS_PATHS: readonly string[] = [
  "health",
  "auth.login",
  "auth.register",
  "auth.refresh",
];

export interface AuthLinkOptions {
  tokens: Pick<AuthClient, "getAccessToken" | "afterUnauthorized">;
  /** Paths to pass through untouched; default `ANONYMOUS_PATHS`. */
  anonymous?: readonly string[];
}

/**
 * A non-terminating link: puts the current access token on each call (read it in the terminating
 * link with `bearerHeaders`), and when a call comes back 401 it refreshes once and retries that
 * call once. Put it before `httpBatchLink`/`httpLink`, or use `authLinks` for both.
 */
export function authLink<TRouter extends AnyTRPCRouter>({
  tokens,
  anonymous = ANONYMOUS_PATHS,
}: AuthLinkOptions): TRPCLink<TRouter> {
  const skip = new Set(anonymous);
  return () =>
    ({ op, next }) => {
      if (skip.has(op.path) || op.type === "subscription") return next(op);
      return observable((observer) => {
        let current: Unsubscribable | undefined;
        let closed = false;

        const send = (token: string | null, isRetry: boolean) => {
          if (closed) return;
          current = next({ ...op, context: { ...op.context, [TOKEN_KEY]: token } }).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              if (isRetry || token === null || !isUnauthorized(error)) return observer.error(error);
              tokens.afterUnauthorized(token).then(
                (fresh) => (fresh ? send(fresh, true) : observer.error(error)),
                () => observer.error(error),
              );
            },
          });
        };

        tokens.getAccessToken().then(
          (token) => send(token, false),
          () => send(null, false),
        );
        return () => {
          closed = true;
          current?.unsubscribe();
        };
      });
    };
}

/** `Authorization` for a batch (or a single call) from the token `authLink` attached. */
export function bearerHeaders(
  opts: { opList: readonly Operation[] } | { op: Operation },
): HTTPHeaders {
  const op = "op" in opts ? opts.op : opts.opList[0];
  const token = op?.context[TOKEN_KEY];
  return typeof token === "string" ? { authorization: `Bearer ${token}` } : {};
}

/** The slice of the `EventSource` constructor used for subscriptions. */
export type EventSourceConstructor = new (
  url: string,
  init?: { withCredentials?: boolean },
) => EventSource;

/**
 * An `EventSource` that never reconnects by itself. A browser's EventSource retries with the
 * same URL, whose single-use ticket is spent: it could only collect 401s. Closing it on its
 * first error makes tRPC report the failure, and the caller (`createTicketedSubscription`)
 * reconnects with a fresh ticket, after a backoff. Built on first use: there is no EventSource
 * during server rendering.
 */
export function oneShotEventSource(
  Base: () => EventSourceConstructor = () => globalThis.EventSource,
): EventSourceConstructor {
  return function OneShotEventSource(url: string, init?: { withCredentials?: boolean }) {
    const source = new (Base())(url, init);
    source.addEventListener("error", () => source.close());
    return source;
  } as unknown as EventSourceConstructor;
}

export interface AuthLinksOptions extends AuthLinkOptions {
  url: string;
  /** The server's `maxBatchSize` or lower. */
  maxItems?: number;
  /** For subscriptions; default the browser's (wrapped by `oneShotEventSource`). */
  EventSource?: EventSourceConstructor;
}

/**
 * The whole chain in one call: `authLink`, then subscriptions to `httpSubscriptionLink`
 * (server-sent events; authenticated by a ticket in their input, never by the access token,
 * which an EventSource could only put in the URL) and everything else to an `httpBatchLink`
 * that sends the token in the `Authorization` header.
 *
 * Typed for any router (links only move operations; the app's `createTRPCClient<AppRouter>`
 * types the calls), so this package never compiles against the server's types (see `types.ts`).
 * No transformer: the API sends plain JSON.
 */
export function authLinks({
  url,
  maxItems = 10,
  EventSource = oneShotEventSource(),
  ...auth
}: AuthLinksOptions): TRPCLink<AnyTRPCRouter>[] {
  return [
    authLink(auth),
    splitLink({
      condition: (op) => op.type === "subscription",
      true: httpSubscriptionLink<AnyTRPCRouter, EventSourceConstructor>({ url, EventSource }),
      false: httpBatchLink<AnyTRPCRouter>({ url, maxItems, headers: bearerHeaders }),
    }),
  ];
}
