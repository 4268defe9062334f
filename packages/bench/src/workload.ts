/** What the scenarios send: users to set up, and the request mixes autocannon replays. */
import { cookiePairs, inBatches, login, register, status, type Login } from "./http";
import type { LoadOptions, Request } from "./load";
import type { ServerProcess } from "./proc";

export const PASSWORD = "correct horse battery staple";
/** Users whose tokens user.me cycles through. */
export const USERS = 16;
/** Refresh chains per run (one per connection). */
export const CHAINS = 64;

export function health(server: ServerProcess, connections: number): LoadOptions {
  return { url: server.url, path: "/api/trpc/health", connections };
}

/** user.me for each login's token, cycled per connection (prebuilt: no per-request setup cost). */
export function userMe(
  server: ServerProcess,
  logins: readonly Login[],
  connections: number,
): LoadOptions {
  const requests: Request[] = logins.map((l) => ({
    method: "GET",
    path: "/api/trpc/user.me",
    headers: { authorization: `Bearer ${l.accessToken}` },
  }));
  return { url: server.url, connections, requests };
}

/** auth.login for `prefix-0…count-1`, cycling: argon2id-bound. */
export function logins(server: ServerProcess, prefix: string, connections: number): LoadOptions {
  const requests: Request[] = Array.from({ length: USERS }, (_, i) => ({
    method: "POST",
    path: "/api/trpc/auth.login",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `${prefix}-${i}@bench.example`, password: PASSWORD }),
  }));
  return { url: server.url, connections, requests };
}

/**
 * Refresh chains: each connection takes an idle chain, sends its newest cookie and puts the
 * chain back with the rotated cookie. A chain is never used by two requests at once; with no
 * idle chain left (only after failures) the request carries no cookie and is answered 401.
 */
export function refreshChains(
  server: ServerProcess,
  chains: Login[],
  counters: { failed: number },
): LoadOptions {
  const idle = chains.map((_, i) => i);
  const request: Request = {
    method: "POST",
    path: "/api/trpc/auth.refresh",
    headers: { "content-type": "application/json" },
    setupRequest: (req, context) => {
      const chain = idle.shift();
      (context as { chain?: number }).chain = chain;
      const cookie = chain === undefined ? "" : chains[chain]!.refreshCookie;
      return { ...req, headers: { ...req.headers, cookie } };
    },
    onResponse: (statusCode, _body, context, headers) => {
      const chain = (context as { chain?: number }).chain;
      if (chain === undefined) return;
      const setCookie = headers?.["set-cookie"] as unknown as string | string[] | undefined;
      const fresh = cookiePairs(([] as string[]).concat(setCookie ?? [])).find((pair) =>
        pair.includes("refresh_token="),
      );
      if (statusCode === 200 && fresh) {
        chains[chain]!.refreshCookie = fresh;
        idle.push(chain);
      } else {
        counters.failed++;
      }
    },
  };
  return { url: server.url, connections: chains.length, requests: [request] };
}

/** Registers (409 is fine: an earlier phase did) and logs in `prefix-0…count-1`. */
export async function seedUsers(
  server: ServerProcess,
  prefix: string,
  count: number,
): Promise<Login[]> {
  const emails = Array.from({ length: count }, (_, i) => `${prefix}-${i}@bench.example`);
  await inBatches(emails, 4, (email) => register(server.url, email, PASSWORD));
  return inBatches(emails, 4, (email) => login(server.url, email, PASSWORD));
}

/** Fresh logins (new sessions and refresh tokens) for users seeded earlier. */
export function loginUsers(server: ServerProcess, prefix: string, count: number): Promise<Login[]> {
  const emails = Array.from({ length: count }, (_, i) => `${prefix}-${i}@bench.example`);
  return inBatches(emails, 4, (email) => login(server.url, email, PASSWORD));
}

/** Set-up check: user.me answers 200 with a token and 401 without. */
export async function assertProtected(server: ServerProcess, token: string): Promise<void> {
  const ok = await status(`${server.url}/api/trpc/user.me`, { authorization: `Bearer ${token}` });
  const anonymous = await status(`${server.url}/api/trpc/user.me`);
  if (ok !== 200 || anonymous !== 401)
    throw new Error(`${server.name}: user.me gave ${ok} with a token and ${anonymous} without`);
}
