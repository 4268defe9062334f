import { httpBatchLink, type HTTPHeaders, type Operation, type TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { observable, type Unsubscribable } from "@trpc/server/observable";

import type { AppRouter } from "@acme/api";

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

export interface AuthLinksOptions extends AuthLinkOptions {
  url: string;
  /** The server's `maxBatchSize` or lower. */
  maxItems?: number;
}

/** `authLink` followed by an `httpBatchLink` that sends its token: the whole chain in one call. */
export function authLinks({
  url,
  maxItems = 10,
  ...auth
}: AuthLinksOptions): TRPCLink<AppRouter>[] {
  return [
    authLink<AppRouter>(auth),
    httpBatchLink<AppRouter>({ url, maxItems, headers: bearerHeaders }),
  ];
}
