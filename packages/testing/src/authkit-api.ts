/**
 * A typed tRPC client of the Authkit server, as some user: `api.user.me.query()`. Its
 * identity is asked for at every call, so a page's caller follows that page's token.
 */
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";

import type { AppRouter } from "@authkit/api";

import type { Credentials } from "./target";

export type AuthkitClient = TRPCClient<AppRouter>;

/** The `api` fixture: a client as the test's user, and `as(...)` for anyone else. */
export type AuthkitApi = AuthkitClient & {
  /** A client as `who` (signed in over HTTP on first use), or with no identity (`null`). */
  as(who: Credentials | null): AuthkitClient;
};

/** The access token to send, or null for none. */
export type TokenSource = () => Promise<string | null>;

export function createAuthkitClient(url: string, token: TokenSource): AuthkitClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/api/trpc`,
        headers: async () => {
          const bearer = await token();
          return bearer ? { authorization: `Bearer ${bearer}` } : {};
        },
      }),
    ],
  });
}

/** Signs `who` in over HTTP once, on the first call that needs it; the token is kept. */
export function loginTokenSource(url: string, who: Credentials): TokenSource {
  let token: Promise<string> | null = null;
  const anonymous = createAuthkitClient(url, () => Promise.resolve(null));
  return () => {
    token ??= anonymous.auth.login.mutate(who).then((outcome) => {
      if (outcome.mfaRequired)
        throw new Error(`${who.email} has a second factor: the api fixture cannot sign it in`);
      return outcome.accessToken;
    });
    return token;
  };
}

/** `client` with an `as(...)` beside its procedures (no router has a top-level `as`). */
export function withAs(client: AuthkitClient, url: string): AuthkitApi {
  const as = (who: Credentials | null) =>
    createAuthkitClient(url, who ? loginTokenSource(url, who) : () => Promise.resolve(null));
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === "as" ? as : (Reflect.get(target, property, receiver) as unknown),
  }) as AuthkitApi;
}
