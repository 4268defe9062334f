/**
 * Rotation that real clients survive (issue 14): a burst of refreshes with one token inside the
 * reuse grace all succeed with working tokens of the same family; a replay after the grace is
 * theft and ends every session of the user. Through tRPC and the OAuth refresh_token grant, on
 * PGlite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import {
  call,
  cookieFrom,
  login,
  rawRefreshToken,
  registerAndLogin,
  startTestServer,
  type SignedIn,
  type TestServer,
} from "./harness";
import { errorCode, isError, isRevoked, openSse, subscriptionUrl, ticketFor } from "./sse";

const GRACE_SECONDS = 2;

/** One refresh, through the browser's tRPC call or a script's OAuth grant. */
type Refresh = (
  base: string,
  token: string,
) => Promise<{ status: number; refreshToken?: string; accessToken?: string }>;

const viaTrpc: Refresh = async (base, token) => {
  const result = await call<{ accessToken: string }>(base, "mutation", "auth.refresh", {
    cookie: `refresh_token=${token}`,
  });
  const cookie = cookieFrom(result);
  return {
    status: result.status,
    accessToken: result.data?.accessToken,
    refreshToken: cookie ? rawRefreshToken(cookie) : undefined,
  };
};

const viaOAuth: Refresh = async (base, token) => {
  const response = await fetch(`${base}/api/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token }),
  });
  const body = (await response.json()) as { access_token?: string; refresh_token?: string };
  return {
    status: response.status,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
  };
};

const me = (base: string, token: string) => call(base, "query", "user.me", { token });

describe.each(await databaseKinds())("refresh-token rotation on %s", (database) => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer({
      database,
      store: "database",
      env: { REFRESH_REUSE_GRACE: `${GRACE_SECONDS}s` },
    });
    base = server.url;
  });
  afterAll(() => server.close());

  describe.each([
    ["tRPC", viaTrpc],
    ["the OAuth grant", viaOAuth],
  ] as const)("through %s", (_, refresh) => {
    it.each([20, 100])(
      "gives all of %i concurrent refreshes with one token working tokens",
      async (n) => {
        const user = await registerAndLogin(base);
        const other = await login(base, user.email, user.password);
        const token = rawRefreshToken(user.cookie);
        const results = await Promise.all(Array.from({ length: n }, () => refresh(base, token)));
        expect(results.map((r) => r.status)).toEqual(Array(n).fill(200));
        expect(new Set(results.map((r) => r.refreshToken)).size).toBe(n);
        // Every returned pair works, and every returned refresh token refreshes again.
        const again = await Promise.all(
          results.map(async (r) => {
            expect((await me(base, r.accessToken!)).status).toBe(200);
            return refresh(base, r.refreshToken!);
          }),
        );
        expect(again.map((r) => r.status)).toEqual(Array(n).fill(200));
        // The user's other session is untouched.
        expect((await me(base, other.accessToken)).status).toBe(200);
        expect((await refresh(base, rawRefreshToken(other.cookie))).status).toBe(200);
      },
    );

    it("treats a replay after the grace as theft: every session dies, and open streams end", async () => {
      const user = await registerAndLogin(base);
      const laptop = await login(base, user.email, user.password);
      const stream = await openSse(
        subscriptionUrl(base, "session.events", {
          ticket: await ticketFor(base, laptop.accessToken),
        }),
      );
      await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
      const token = rawRefreshToken(user.cookie);
      const rotated = await refresh(base, token);
      expect(rotated.status).toBe(200);
      server.clock.advance(GRACE_SECONDS + 1);
      try {
        const replay = await refresh(base, token);
        expect(replay.status).toBe(refresh === viaTrpc ? 401 : 400);
        expect((await stream.waitFor(isRevoked)).data).toEqual({
          type: "revoked",
          reason: "refresh_token_reused",
        });
        expect(errorCode(await stream.waitFor(isError))).toBe("UNAUTHORIZED");
        for (const signedIn of [rotated.accessToken!, user.accessToken, laptop.accessToken])
          expect((await me(base, signedIn)).status).toBe(401);
        for (const refreshToken of [rotated.refreshToken!, rawRefreshToken(laptop.cookie)])
          expect((await refresh(base, refreshToken)).status).not.toBe(200);
      } finally {
        server.clock.advance(-(GRACE_SECONDS + 1));
      }
    });

    it("refuses a logged-out session's token even inside the grace", async () => {
      const user: SignedIn = await registerAndLogin(base);
      const token = rawRefreshToken(user.cookie);
      const rotated = await refresh(base, token);
      expect(rotated.status).toBe(200);
      await call(base, "mutation", "auth.logout", {
        cookie: `refresh_token=${rotated.refreshToken}`,
      });
      expect((await refresh(base, token)).status).not.toBe(200);
      expect((await refresh(base, rotated.refreshToken!)).status).not.toBe(200);
    });
  });
});
