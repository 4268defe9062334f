/**
 * Several instances behave as one (SPEC: "Several web processes behind a load balancer share
 * both and behave as one"): two separate server PROCESSES (the compiled
 * packages/api/dist/server.js) over one fresh PostgreSQL database, with revocation and rate
 * limits in Redis behind one Upstash REST endpoint, in a plain Redis (`REDIS_URL`), or in the
 * database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTestDatabase,
  postgresAvailable,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@authkit/db/testing";
import { startUpstashRest, type UpstashRest } from "@authkit/upstash-rest";

import { call, cookieFrom, login, registerAndLogin, storeKinds, uniqueEmail } from "./harness";
import { startServerProcess, type ServerProcess } from "./server-process";

const hasPostgres = await postgresAvailable();

describe.runIf(hasPostgres).each(await storeKinds("upstash", "redis", "database"))(
  "two server processes, %s revocation store",
  (store) => {
    let db: TestDatabase;
    let upstash: UpstashRest | undefined;
    let a: ServerProcess;
    let b: ServerProcess;

    beforeAll(async () => {
      db = await createTestDatabase("postgresql");
      upstash =
        store === "upstash" ? await startUpstashRest({ token: "instances-token" }) : undefined;
      const env = {
        DATABASE_URL: db.url!,
        // These processes run on the real clock, which the tests cannot step past a reuse
        // grace: without one, they check the strict rule (one winner, every replay is theft)
        // across instances. The grace itself is tested in rotation.test.ts.
        REFRESH_REUSE_GRACE: "0s",
        ...(upstash
          ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: "instances-token" }
          : {}),
        ...(store === "redis" ? { REDIS_URL: TEST_REDIS_URL } : {}),
      };
      [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
      expect(a.url).not.toBe(b.url);
    });

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await upstash?.close();
      await db?.destroy();
    });

    it("accepts on B a login made on A, and B refuses the token right after a logout on A", async () => {
      const user = await registerAndLogin(a.url);
      expect((await call(b.url, "query", "user.me", { token: user.accessToken })).status).toBe(200);
      expect(
        (
          await call(a.url, "mutation", "auth.logout", {
            token: user.accessToken,
            cookie: user.cookie,
          })
        ).status,
      ).toBe(200);
      const refused = await call(b.url, "query", "user.me", { token: user.accessToken });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe("Bearer");
      expect((await call(b.url, "mutation", "auth.refresh", { cookie: user.cookie })).status).toBe(
        401,
      );
    });

    it("refreshes on B with a token last rotated on A, and catches the replay on either", async () => {
      const user = await registerAndLogin(a.url);
      const onA = await call<{ accessToken: string }>(a.url, "mutation", "auth.refresh", {
        cookie: user.cookie,
      });
      expect(onA.status).toBe(200);
      const onB = await call<{ accessToken: string }>(b.url, "mutation", "auth.refresh", {
        cookie: cookieFrom(onA),
      });
      expect(onB.status).toBe(200);
      expect((await call(a.url, "query", "user.me", { token: onB.data.accessToken })).status).toBe(
        200,
      );
      // A replay on B of the token A consumed kills the family and every access token, on A too.
      expect((await call(b.url, "mutation", "auth.refresh", { cookie: user.cookie })).status).toBe(
        401,
      );
      expect((await call(a.url, "query", "user.me", { token: onB.data.accessToken })).status).toBe(
        401,
      );
      expect((await call(b.url, "query", "user.me", { token: onB.data.accessToken })).status).toBe(
        401,
      );
      expect(
        (await call(a.url, "mutation", "auth.refresh", { cookie: cookieFrom(onB) })).status,
      ).toBe(401);
    });

    it("lets exactly one of concurrent refreshes spread over both instances win", async () => {
      const user = await registerAndLogin(a.url);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call(i % 2 ? a.url : b.url, "mutation", "auth.refresh", { cookie: user.cookie }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it("applies logoutAll, a session revocation and a password change made on B to A's next request", async () => {
      const user = await registerAndLogin(a.url);
      const second = await login(a.url, user.email, user.password);
      const third = await login(b.url, user.email, user.password);
      const list = await call<{ id: string; current: boolean }[]>(b.url, "query", "session.list", {
        token: third.accessToken,
      });
      const secondSession = JSON.parse(
        Buffer.from(second.accessToken.split(".")[1]!, "base64url").toString(),
      ) as { sid: string };
      expect(list.data.map((s) => s.id)).toContain(secondSession.sid);
      expect(
        (
          await call(b.url, "mutation", "session.revoke", {
            token: third.accessToken,
            input: { id: secondSession.sid },
          })
        ).status,
      ).toBe(200);
      expect((await call(a.url, "query", "user.me", { token: second.accessToken })).status).toBe(
        401,
      );
      expect((await call(a.url, "query", "user.me", { token: user.accessToken })).status).toBe(200);

      const changed = await call(b.url, "mutation", "auth.changePassword", {
        token: third.accessToken,
        input: { currentPassword: user.password, newPassword: "a brand new password" },
      });
      expect(changed.status).toBe(200);
      expect((await call(a.url, "query", "user.me", { token: user.accessToken })).status).toBe(401);
      expect((await call(a.url, "query", "user.me", { token: third.accessToken })).status).toBe(
        200,
      );

      expect(
        (await call(b.url, "mutation", "auth.logoutAll", { token: third.accessToken })).status,
      ).toBe(200);
      expect((await call(a.url, "query", "user.me", { token: third.accessToken })).status).toBe(
        401,
      );
    });

    it("counts login failures for one account across both instances", async () => {
      const email = uniqueEmail("shared-limit");
      await registerAndLogin(a.url, { email });
      for (let i = 0; i < 5; i++) {
        const target = i % 2 ? a.url : b.url;
        expect(
          (
            await call(target, "mutation", "auth.login", {
              input: { email, password: "wrong password" },
            })
          ).status,
        ).toBe(401);
      }
      for (const target of [a.url, b.url]) {
        const limited = await call(target, "mutation", "auth.login", {
          input: { email, password: "wrong password" },
        });
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
    });
  },
);
