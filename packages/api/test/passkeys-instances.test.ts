/**
 * A passkey removed on one compiled server process is refused at once on the other (issue 25):
 * an assertion made before the removal and a fresh one from the same authenticator both get
 * PASSKEY_REJECTED there, and the user's other sessions on it end (the next request refused,
 * the live stream told why). Two processes over one PostgreSQL database, with revocation in
 * Redis (Upstash, or a plain Redis) or in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@authkit/auth";
import { SoftwareAuthenticator } from "@authkit/auth/testing";
import {
  createTestDatabase,
  postgresAvailable,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@authkit/db/testing";
import { startUpstashRest, type UpstashRest } from "@authkit/upstash-rest";

import { call, cookieFrom, registerAndLogin, storeKinds, type CallResult } from "./harness";
import { startServerProcess, type ServerProcess } from "./server-process";
import { errorCode, isError, isRevoked, openSse, subscriptionUrl, ticketFor } from "./sse";

const hasPostgres = await postgresAvailable();
/** serverEnv's APP_URL: the RP ID is its host, the only origin a ceremony may come from. */
const ORIGIN = "http://app.test";

const authCodeOf = (result: CallResult) =>
  (result.body.error?.data as { authCode?: string | null } | undefined)?.authCode;

describe.runIf(hasPostgres).each(await storeKinds("upstash", "redis", "database"))(
  "passkeys across two server processes, %s revocation store",
  (store) => {
    let db: TestDatabase;
    let upstash: UpstashRest | undefined;
    let a: ServerProcess;
    let b: ServerProcess;

    beforeAll(async () => {
      db = await createTestDatabase("postgresql");
      upstash =
        store === "upstash" ? await startUpstashRest({ token: "passkeys-token" }) : undefined;
      const env = {
        DATABASE_URL: db.url!,
        ...(upstash
          ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: "passkeys-token" }
          : {}),
        ...(store === "redis" ? { REDIS_URL: TEST_REDIS_URL } : {}),
      };
      [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    });

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await upstash?.close();
      await db?.destroy();
    });

    /** A user signed in on A who adds a passkey there. */
    async function withPasskeyOnA() {
      const user = await registerAndLogin(a.url);
      const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
      const options = await call<PublicKeyCredentialCreationOptionsJSON>(
        a.url,
        "mutation",
        "passkey.registrationOptions",
        { token: user.accessToken },
      );
      const registered = await call<{ passkey: { id: string } }>(
        a.url,
        "mutation",
        "passkey.register",
        { token: user.accessToken, input: { response: authenticator.register(options.data) } },
      );
      expect(registered.status, registered.text).toBe(200);
      return { user, authenticator, passkeyId: registered.data.passkey.id };
    }

    /** A passwordless sign-in on `server`: its options, answered by the authenticator. */
    async function assertionFor(server: ServerProcess, authenticator: SoftwareAuthenticator) {
      const options = await call<PublicKeyCredentialRequestOptionsJSON>(
        server.url,
        "mutation",
        "passkey.authenticationOptions",
        { input: {} },
      );
      expect(options.status, options.text).toBe(200);
      return authenticator.authenticate(options.data);
    }

    const authenticateOn = (server: ServerProcess, response: unknown) =>
      call<{ accessToken: string }>(server.url, "mutation", "passkey.authenticate", {
        input: { response },
      });

    it("a passkey removed on A is refused at once on B, and B's sessions of that user end", async () => {
      const { user, authenticator, passkeyId } = await withPasskeyOnA();
      // A session on B, signed in there with the passkey, its live stream open on B.
      const onB = await authenticateOn(b, await assertionFor(b, authenticator));
      expect(onB.status, onB.text).toBe(200);
      const stream = await openSse(
        subscriptionUrl(b.url, "session.events", {
          ticket: await ticketFor(b.url, onB.data.accessToken),
        }),
      );
      await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
      // An assertion made on B before the removal, not yet sent.
      const madeBefore = await assertionFor(b, authenticator);

      const removed = await call(a.url, "mutation", "passkey.remove", {
        token: user.accessToken,
        input: { id: passkeyId },
      });
      expect(removed.status, removed.text).toBe(200);

      // B's very next requests, with no wait between: refused.
      const late = await authenticateOn(b, madeBefore);
      expect(late.status).toBe(401);
      expect(authCodeOf(late)).toBe("PASSKEY_REJECTED");
      expect(cookieFrom(late)).toBeNull();
      const fresh = await authenticateOn(b, await assertionFor(b, authenticator));
      expect(fresh.status).toBe(401);
      expect(authCodeOf(fresh)).toBe("PASSKEY_REJECTED");
      expect((await call(b.url, "query", "user.me", { token: onB.data.accessToken })).status).toBe(
        401,
      );
      expect(
        (await call(b.url, "mutation", "auth.refresh", { cookie: cookieFrom(onB) })).status,
      ).toBe(401);
      expect((await stream.waitFor(isRevoked)).data).toEqual({
        type: "revoked",
        reason: "mfa_changed",
      });
      expect(errorCode(await stream.waitFor(isError))).toBe("UNAUTHORIZED");

      // The session that removed it stays, on either instance.
      expect((await call(b.url, "query", "user.me", { token: user.accessToken })).status).toBe(200);
    });
  },
);
