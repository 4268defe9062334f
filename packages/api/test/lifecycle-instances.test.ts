/**
 * Disable, enable, revoke and a password reset made on one compiled server process reach the
 * other at once (issue 16): its next request is refused and its live streams end. Two processes
 * over one PostgreSQL database, with revocation in Redis (Upstash, whose REST protocol leaves
 * the streams to LISTEN/NOTIFY; or a plain Redis, whose pub/sub carries them) or in the
 * database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTestDatabase,
  postgresAvailable,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@authkit/db/testing";
import { startSmtpReceiver, tokenIn, type SmtpReceiver } from "@authkit/mail/testing";
import { startUpstashRest, type UpstashRest } from "@authkit/upstash-rest";

import { call, login, registerAndLogin, storeKinds, type SignedIn } from "./harness";
import { startServerProcess, type ServerProcess } from "./server-process";
import { errorCode, isError, isRevoked, openSse, subscriptionUrl, ticketFor } from "./sse";

const hasPostgres = await postgresAvailable();
const ADMIN = { email: "lifecycle-admin@example.com", password: "the operator's password" };

describe.runIf(hasPostgres).each(await storeKinds("upstash", "redis", "database"))(
  "account lifecycle across two server processes, %s revocation store",
  (store) => {
    let db: TestDatabase;
    let upstash: UpstashRest | undefined;
    let smtp: SmtpReceiver;
    let a: ServerProcess;
    let b: ServerProcess;
    let admin: SignedIn;

    beforeAll(async () => {
      db = await createTestDatabase("postgresql");
      smtp = await startSmtpReceiver();
      upstash =
        store === "upstash" ? await startUpstashRest({ token: "lifecycle-token" }) : undefined;
      const env = {
        DATABASE_URL: db.url!,
        SMTP_URL: smtp.url,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        ...(upstash
          ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: "lifecycle-token" }
          : {}),
        ...(store === "redis" ? { REDIS_URL: TEST_REDIS_URL } : {}),
      };
      // One after the other: each creates the ADMIN_EMAIL account if it is missing.
      a = await startServerProcess(env);
      b = await startServerProcess(env);
      admin = await login(a.url, ADMIN.email, ADMIN.password);
    });

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await upstash?.close();
      await smtp?.close();
      await db?.destroy();
    });

    /** A user signed in on B with a live stream open on B. */
    async function onB() {
      const user = await registerAndLogin(b.url);
      const stream = await openSse(
        subscriptionUrl(b.url, "session.events", {
          ticket: await ticketFor(b.url, user.accessToken),
        }),
      );
      await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
      return { user, stream };
    }
    const act = (procedure: string, userId: string) =>
      call(a.url, "mutation", `admin.${procedure}`, {
        token: admin.accessToken,
        input: { userId },
      });
    const meOnB = (token: string) => call(b.url, "query", "user.me", { token });

    it("a disable on A ends B's stream and B's next request; an enable on A lets B sign in again", async () => {
      const { user, stream } = await onB();
      expect((await act("disableUser", user.userId)).status).toBe(200);
      expect((await meOnB(user.accessToken)).status).toBe(401);
      expect((await stream.waitFor(isRevoked)).data).toEqual({
        type: "revoked",
        reason: "user_disabled",
      });
      expect(errorCode(await stream.waitFor(isError))).toBe("UNAUTHORIZED");
      expect(
        (
          await call(b.url, "mutation", "auth.login", {
            input: { email: user.email, password: user.password },
          })
        ).status,
      ).toBe(401);
      expect((await act("enableUser", user.userId)).status).toBe(200);
      const back = await login(b.url, user.email, user.password);
      expect((await meOnB(back.accessToken)).status).toBe(200);
    });

    it("a revokeSessions on A ends B's stream and B's next request", async () => {
      const { user, stream } = await onB();
      expect((await act("revokeSessions", user.userId)).status).toBe(200);
      expect((await meOnB(user.accessToken)).status).toBe(401);
      expect((await stream.waitFor(isRevoked)).data).toEqual({
        type: "revoked",
        reason: "revoked_by_admin",
      });
    });

    it("a password reset on A, by the mailed link, ends B's stream and B's next request", async () => {
      const { user, stream } = await onB();
      expect(
        (
          await call(a.url, "mutation", "auth.requestPasswordReset", {
            input: { email: user.email },
          })
        ).status,
      ).toBe(200);
      const mail = await smtp.waitFor(
        (m) => m.to.includes(user.email) && m.subject.startsWith("Reset"),
      );
      expect(
        (
          await call(a.url, "mutation", "auth.resetPassword", {
            input: { token: tokenIn(mail), password: "reset across instances" },
          })
        ).status,
      ).toBe(200);
      expect((await meOnB(user.accessToken)).status).toBe(401);
      expect((await stream.waitFor(isRevoked)).data).toEqual({
        type: "revoked",
        reason: "password_reset",
      });
      expect((await login(b.url, user.email, "reset across instances")).accessToken).toBeTruthy();
    });
  },
);
