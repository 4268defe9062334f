import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import { isAuthError } from "../src/errors";
import { PasswordHasher } from "../src/password";
import { cryptoRandom, sha256 } from "../src/random";
import { loginSession, signedIn, startCore, uniqueEmail, type CoreUnderTest } from "./setup";

/**
 * Issue 23, items 7 and 10: what a credential vouched for dies with it. Every credential change
 * (a password change, a reset, disabling the account, the admin bootstrap's reset) voids the
 * reset links mailed before it, and the device cookies issued before it stop relaxing the login
 * limits; a device cookie also stops once older than DEVICE_COOKIE_MAX_AGE, whatever the browser
 * kept. On a real database of each kind, through the core's public entry points.
 */
const kinds = await databaseKinds();

/** Failed logins per account and per device cookie, as configured below. */
const ACCOUNT_FAILURES = 5;
const DEVICE_FAILURES = 10;

describe.each(kinds)("credential changes on %s", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({
      kind,
      env: {
        RATE_LIMIT_LOGIN_ACCOUNT: `${ACCOUNT_FAILURES}/1m`,
        RATE_LIMIT_LOGIN_DEVICE: `${DEVICE_FAILURES}/1m`,
        DEVICE_COOKIE_MAX_AGE: "1h",
      },
    });
  });
  afterAll(() => core.close());

  /** Asks for a reset link and returns its token, as the mail carries it. */
  async function resetLink(email: string): Promise<string> {
    await core.auth.recovery.request(email);
    await core.auth.settled();
    const mail = core.mails.findLast((m) => m.kind === "password_reset" && m.to === email);
    if (!mail) throw new Error(`no reset mail for ${email}`);
    return mail.token;
  }

  /**
   * A second open link beside the one mailed: what two reset requests racing leave behind (each
   * deletes the open links it sees, then inserts its own). A new request would void the first.
   */
  async function racingLink(user: Awaited<ReturnType<typeof signedIn>>): Promise<string> {
    const raw = cryptoRandom.token(32);
    await core.db.prisma.accountToken.create({
      data: {
        tokenHash: sha256(raw),
        userId: user.identity.user.id,
        purpose: "password_reset",
        expiresAt: new Date(core.clock.now() + 15 * 60_000),
      },
    });
    return raw;
  }

  const invalidLink = (work: Promise<unknown>) =>
    expect(work).rejects.toSatisfy((e) => isAuthError(e, "INVALID_TOKEN"));

  /**
   * How many wrong passwords a client holding `deviceToken` may try before RATE_LIMITED: the
   * device's budget when the cookie is recognized, the account's when it is not.
   */
  async function failuresAllowed(email: string, deviceToken: string): Promise<number> {
    for (let i = 0; i <= DEVICE_FAILURES + 1; i++) {
      const attempt = loginSession(core.auth, { email, password: `guess ${i}`, deviceToken });
      const error = await attempt.then(
        () => new Error("a wrong password signed in"),
        (e: unknown) => e,
      );
      if (isAuthError(error, "RATE_LIMITED")) return i;
      if (!isAuthError(error, "INVALID_CREDENTIALS")) throw error;
    }
    return Infinity;
  }

  /** A user signed in from two browsers: two device cookies, one to spend before a change. */
  async function userWithTwoDevices() {
    const user = await signedIn(core);
    const second = await loginSession(core.auth, { email: user.email, password: user.password });
    return { ...user, devices: [user.pair.deviceToken, second.deviceToken] as const };
  }

  const NEW_PASSWORD = "a brand new password";

  /** Each credential change, done the way its caller does it; returns the password after it. */
  const CHANGES = {
    "a password change": async (user: Awaited<ReturnType<typeof signedIn>>) => {
      await core.auth.accounts.changePassword(user.identity, {
        currentPassword: user.password,
        newPassword: NEW_PASSWORD,
      });
      return NEW_PASSWORD;
    },
    "a password reset": async (user: Awaited<ReturnType<typeof signedIn>>) => {
      await core.auth.recovery.reset({ token: await racingLink(user), password: NEW_PASSWORD });
      return NEW_PASSWORD;
    },
    "disabling the account (then enabling it)": async (
      user: Awaited<ReturnType<typeof signedIn>>,
    ) => {
      const admin = await signedIn(core);
      await core.auth.admin.disableUser(admin.identity.user, user.identity.user.id);
      await core.auth.admin.enableUser(admin.identity.user, user.identity.user.id);
      return user.password;
    },
  } as const;

  describe("reset links", () => {
    it.each(Object.keys(CHANGES) as (keyof typeof CHANGES)[])(
      "%s voids every link mailed before it",
      async (change) => {
        const user = await signedIn(core);
        const link = await resetLink(user.email);
        const password = await CHANGES[change](user);
        await invalidLink(core.auth.recovery.reset({ token: link, password: "the thief's one" }));
        // The account kept the password the change left it with; a link asked for now works.
        await loginSession(core.auth, { email: user.email, password });
        await core.auth.recovery.reset({
          token: await resetLink(user.email),
          password: "after the change",
        });
        await loginSession(core.auth, { email: user.email, password: "after the change" });
      },
    );

    it("the admin bootstrap's reset voids the registrant's links", async () => {
      const email = uniqueEmail("admin");
      await signedIn(core, email, "the squatter's password");
      const squatterLink = await resetLink(email);
      await core.auth.accounts.ensureAdmin({ email, password: "the operator's password" });
      await invalidLink(core.auth.recovery.reset({ token: squatterLink, password: "mine now" }));
      const admin = await loginSession(core.auth, { email, password: "the operator's password" });
      expect(admin.user.role).toBe("admin");
    });

    it("a reset whose link was checked before a password change committed does not land", async () => {
      // The reset checks its link, then hashes; the change commits meanwhile. The link must be
      // judged again where it is used up, in the reset's transaction, not by the early check.
      let arrived!: () => void;
      let release!: () => void;
      const hashing = new Promise<void>((resolve) => (arrived = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      class HeldHasher extends PasswordHasher {
        override async hash(password: string) {
          if (password === "the link's new one") {
            arrived();
            await released;
          }
          return super.hash(password);
        }
      }
      const held = await startCore({ db: core.db, passwords: new HeldHasher() });
      try {
        const user = await signedIn(core);
        const link = await resetLink(user.email);
        const reset = held.auth.recovery.reset({ token: link, password: "the link's new one" });
        reset.catch(() => undefined);
        await hashing;
        await core.auth.accounts.changePassword(user.identity, {
          currentPassword: user.password,
          newPassword: "the owner's new one",
        });
        release();
        await invalidLink(reset);
        await loginSession(core.auth, { email: user.email, password: "the owner's new one" });
      } finally {
        release();
        await held.close();
      }
    });
  });

  describe("device cookies", () => {
    it.each(Object.keys(CHANGES) as (keyof typeof CHANGES)[])(
      "stop vouching after %s; one issued after it does",
      async (change) => {
        const user = await userWithTwoDevices();
        // Before: a device cookie has the device's budget, not the account's.
        expect(await failuresAllowed(user.email, user.devices[0])).toBe(DEVICE_FAILURES);
        const password = await CHANGES[change](user);
        // After: the other cookie, untouched until now, is a fresh client's.
        expect(await failuresAllowed(user.email, user.devices[1])).toBe(ACCOUNT_FAILURES);
        // The account's budget is spent; the next minute, a login with the new credentials
        // gets a cookie that vouches again.
        core.clock.advance(61);
        const fresh = await loginSession(core.auth, { email: user.email, password });
        expect(await failuresAllowed(user.email, fresh.deviceToken)).toBe(DEVICE_FAILURES);
      },
    );

    it("stops vouching past DEVICE_COOKIE_MAX_AGE, whatever the browser kept", async () => {
      const user = await userWithTwoDevices();
      core.clock.advance(3600 - 60);
      expect(await failuresAllowed(user.email, user.devices[0])).toBe(DEVICE_FAILURES);
      core.clock.advance(61);
      expect(await failuresAllowed(user.email, user.devices[1])).toBe(ACCOUNT_FAILURES);
    });

    it("refuses a cookie whose epoch or issue time was edited", async () => {
      const user = await userWithTwoDevices();
      const [nonce, issuedAt, epoch, mac] = user.devices[0].split(".");
      const later = (parseInt(issuedAt!, 36) + 3600).toString(36);
      for (const edited of [
        [nonce, issuedAt, Number(epoch) + 1, mac].join("."),
        [nonce, later, epoch, mac].join("."),
      ]) {
        expect(await failuresAllowed(user.email, edited)).toBe(ACCOUNT_FAILURES);
        core.clock.advance(61); // the account's window again
      }
      // The cookie as issued still vouches.
      expect(await failuresAllowed(user.email, user.devices[0])).toBe(DEVICE_FAILURES);
    });
  });
});
