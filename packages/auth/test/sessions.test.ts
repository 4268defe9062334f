import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import { isAuthError } from "../src/errors";
import { PasswordHasher } from "../src/password";
import {
  accepted,
  loginSession,
  signedIn,
  startCore,
  uniqueEmail,
  type CoreUnderTest,
} from "./setup";

/**
 * The session rules at the caller level, on a real database and without HTTP: rotation with
 * the reuse grace, theft, logout, the session cap and a login racing a password change.
 */
const kinds = await databaseKinds();

describe.each(kinds)("sessions on %s", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({
      kind,
      env: { REFRESH_REUSE_GRACE: "2s", MAX_SESSIONS_PER_USER: "3" },
    });
  });
  afterAll(() => core.close());

  const refresh = (token: string) => core.auth.sessions.refresh(token);
  const refused = (work: Promise<unknown>, code = "UNAUTHENTICATED") =>
    expect(work).rejects.toSatisfy((e) => isAuthError(e, code as never));

  it("rotates: the new pair works, and the old token inside the grace gets a sibling", async () => {
    const { pair } = await signedIn(core);
    const next = await refresh(pair.refreshToken);
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    expect(next.sessionId).toBe(pair.sessionId);
    expect(await accepted(core, next.accessToken)).toBe(true);
    core.clock.advance(1);
    const sibling = await refresh(pair.refreshToken);
    expect(sibling.sessionId).toBe(pair.sessionId);
    expect(sibling.refreshToken).not.toBe(next.refreshToken);
    // Nothing was revoked: both branches of the family live on.
    expect(await accepted(core, next.accessToken)).toBe(true);
    expect((await refresh(next.refreshToken)).sessionId).toBe(pair.sessionId);
    expect((await refresh(sibling.refreshToken)).sessionId).toBe(pair.sessionId);
  });

  it("answers each of many rotations presented in one turn on its own", async () => {
    // Rotations of one event-loop turn share a statement (src/sessions/refresh-exchange.ts):
    // each must still get its own session's successor, and a bad token must spoil nothing.
    const users = await Promise.all(Array.from({ length: 5 }, () => signedIn(core)));
    const ended = await signedIn(core);
    await core.auth.sessions.logout({ refreshToken: ended.pair.refreshToken });
    const twice = users[0]!.pair.refreshToken;
    const presented = [...users.map((u) => u.pair.refreshToken), twice, "no-such-token"];
    const results = await Promise.allSettled([
      ...presented.map((token) => refresh(token)),
      refresh(ended.pair.refreshToken),
    ]);
    for (const [i, user] of users.entries()) {
      const result = results[i]!;
      if (result.status !== "fulfilled") throw new Error(`rotation ${i} refused`);
      expect(result.value.sessionId).toBe(user.pair.sessionId);
      const identity = await core.auth.authenticate(result.value.accessToken);
      expect(identity.user.id).toBe(user.identity.user.id);
    }
    // The same token twice in the turn: the second is inside the grace and gets a sibling.
    const [first, second] = [results[0], results[5]!];
    if (first.status !== "fulfilled" || second.status !== "fulfilled")
      throw new Error("the token presented twice was refused");
    expect(second.value.sessionId).toBe(users[0]!.pair.sessionId);
    expect(second.value.refreshToken).not.toBe(first.value.refreshToken);
    for (const refusal of results.slice(6)) {
      expect(refusal.status).toBe("rejected");
      if (refusal.status === "rejected")
        expect(isAuthError(refusal.reason, "UNAUTHENTICATED")).toBe(true);
    }
    expect(core.events).not.toContainEqual(expect.objectContaining({ event: "refresh.reuse" }));
  });

  it("treats a replay after the grace as theft: every session and token of the user dies", async () => {
    const victim = await signedIn(core);
    const laptop = await loginSession(core.auth, {
      email: victim.email,
      password: victim.password,
    });
    const next = await refresh(victim.pair.refreshToken);
    core.clock.advance(3);
    await refused(refresh(victim.pair.refreshToken), "REFRESH_TOKEN_REUSED");
    for (const token of [next.accessToken, laptop.accessToken])
      expect(await accepted(core, token)).toBe(false);
    for (const token of [next.refreshToken, laptop.refreshToken]) await refused(refresh(token));
    expect(core.events).toContainEqual(
      expect.objectContaining({ event: "refresh.reuse", userId: victim.identity.user.id }),
    );
    // The user signs in again and is fine.
    const again = await loginSession(core.auth, {
      email: victim.email,
      password: victim.password,
    });
    expect(await accepted(core, again.accessToken)).toBe(true);
  });

  it("refuses a logged-out session's token even inside the grace, and revokes nothing else", async () => {
    const user = await signedIn(core);
    const other = await loginSession(core.auth, { email: user.email, password: user.password });
    const next = await refresh(user.pair.refreshToken);
    await core.auth.sessions.logout({ refreshToken: next.refreshToken });
    await refused(refresh(user.pair.refreshToken));
    await refused(refresh(next.refreshToken));
    expect(await accepted(core, other.accessToken)).toBe(true);
    expect(core.events).not.toContainEqual(
      expect.objectContaining({ event: "refresh.reuse", userId: user.identity.user.id }),
    );
  });

  it("logs out by access token and by refresh token, and again without complaint", async () => {
    const user = await signedIn(core);
    await core.auth.sessions.logout({
      accessToken: user.pair.accessToken,
      refreshToken: user.pair.refreshToken,
    });
    expect(await accepted(core, user.pair.accessToken)).toBe(false);
    await refused(refresh(user.pair.refreshToken));
    await core.auth.sessions.logout({
      accessToken: user.pair.accessToken,
      refreshToken: user.pair.refreshToken,
    });
  });

  /** Every row a refresh could write: sessions, refresh tokens, users' versions, denylist. */
  const rowsRefreshTouches = async () => {
    const { prisma } = core.db;
    return {
      sessions: await prisma.session.findMany({ orderBy: { id: "asc" } }),
      refreshTokens: await prisma.refreshToken.findMany({ orderBy: { id: "asc" } }),
      users: await prisma.user.findMany({
        orderBy: { id: "asc" },
        select: { id: true, tokenVersion: true, disabledAt: true },
      }),
      revokedAccessTokens: await prisma.revokedAccessToken.count(),
      events: [...core.events],
    };
  };

  it("refuses an unknown or expired refresh token without side effects: no row written, no event", async () => {
    const user = await signedIn(core);
    const before = await rowsRefreshTouches();
    await refused(refresh("not a token we ever issued"));
    expect(await rowsRefreshTouches()).toEqual(before);

    core.clock.advance(7 * 24 * 3600 + 1);
    try {
      await refused(refresh(user.pair.refreshToken));
      // Not consumed, no sibling issued, the session neither touched nor revoked, no version
      // raised and no `refresh.reuse`: an expired token is refused, not treated as theft.
      expect(await rowsRefreshTouches()).toEqual(before);
    } finally {
      core.clock.advance(-(7 * 24 * 3600 + 1));
    }
    // Back inside its lifetime, the very same token still rotates: nothing was spent.
    expect((await refresh(user.pair.refreshToken)).sessionId).toBe(user.pair.sessionId);
  });

  it("keeps at most MAX_SESSIONS_PER_USER sessions: the least recently used goes first", async () => {
    const email = uniqueEmail();
    const first = await signedIn(core, email);
    const logins = [];
    for (let i = 0; i < 3; i++) {
      core.clock.advance(1);
      logins.push(await loginSession(core.auth, { email, password: first.password }));
    }
    expect(await accepted(core, first.pair.accessToken)).toBe(false);
    await refused(refresh(first.pair.refreshToken));
    for (const pair of logins) expect(await accepted(core, pair.accessToken)).toBe(true);
    expect(await core.auth.sessions.list(first.identity)).toHaveLength(3);
  });
});

/**
 * Rotation is one SQL statement (src/rotation.ts): the compare-and-swap that consumes the
 * presented token and inserts its successor. Without a reuse grace only an unused token rotates,
 * so of many exchanges of one token at once exactly one may issue a successor; the others are
 * replays (theft). Exchanges of one turn in one process share a batch, which puts a token
 * presented twice into successive statements; two servers on one PostgreSQL database race on
 * separate connections, where the row lock decides. PGlite has one connection and runs them one
 * after another, which checks the statement but races nothing.
 */
describe.each(kinds)("rotation's statement without a reuse grace on %s", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({ kind, env: { REFRESH_REUSE_GRACE: "0s" } });
  });
  afterAll(() => core.close());

  it("consumes a token exactly once when 10 exchanges present it at once", async () => {
    const { pair } = await signedIn(core);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => core.auth.sessions.refresh(pair.refreshToken)),
    );
    const rotated = results.filter((r) => r.status === "fulfilled");
    expect(rotated).toHaveLength(1);
    // The session holds the presented token and exactly one successor, nothing more.
    const tokens = await core.db.prisma.refreshToken.findMany({
      where: { sessionId: pair.sessionId },
      select: { consumedAt: true },
    });
    expect(tokens).toHaveLength(2);
    expect(tokens.filter((t) => t.consumedAt !== null)).toHaveLength(1);
    // The losers were refused as replays of a consumed token (or, once the first replay had
    // revoked the family, as a dead session): none of them got a token.
    for (const result of results.filter((r) => r.status === "rejected"))
      expect(
        isAuthError(result.reason, "REFRESH_TOKEN_REUSED") ||
          isAuthError(result.reason, "UNAUTHENTICATED"),
      ).toBe(true);
    expect(core.events).toContainEqual(
      expect.objectContaining({ event: "refresh.reuse", sessionId: pair.sessionId }),
    );
  });

  it("consumes a token exactly once when two servers present it five times each", async () => {
    const other = await startCore({ kind, db: core.db, env: { REFRESH_REUSE_GRACE: "0s" } });
    try {
      const { pair } = await signedIn(core);
      const results = await Promise.allSettled(
        [core, other, core, other, core, other, core, other, core, other].map((server) =>
          server.auth.sessions.refresh(pair.refreshToken),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const tokens = await core.db.prisma.refreshToken.findMany({
        where: { sessionId: pair.sessionId },
      });
      expect(tokens).toHaveLength(2);
    } finally {
      await other.close();
    }
  });
});

describe("a login racing a password change", () => {
  /** A real hasher that can hold the next verify after it finished, to interleave a race. */
  class GatedHasher extends PasswordHasher {
    private hold: { reached: () => void; release: Promise<void> } | null = null;
    holdNextVerify() {
      let reached!: () => void;
      let release!: () => void;
      const state = {
        reached: new Promise<void>((resolve) => (reached = resolve)),
        release: () => release(),
      };
      this.hold = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
      return state;
    }
    override async verify(hash: string, password: string) {
      const result = await super.verify(hash, password);
      const hold = this.hold;
      if (hold) {
        this.hold = null;
        hold.reached();
        await hold.release;
      }
      return result;
    }
  }

  it.each(kinds)("does not survive it (%s)", async (kind) => {
    const passwords = new GatedHasher();
    const core = await startCore({ kind, passwords });
    try {
      const owner = await signedIn(core);
      // The attacker's login has checked the old password when the owner changes it.
      const gate = passwords.holdNextVerify();
      const attacker = loginSession(core.auth, { email: owner.email, password: owner.password });
      await gate.reached;
      await core.auth.accounts.changePassword(owner.identity, {
        currentPassword: owner.password,
        newPassword: "a brand new password",
      });
      gate.release();
      await expect(attacker).rejects.toSatisfy((e) => isAuthError(e, "INVALID_CREDENTIALS"));
      const sessions = await core.auth.sessions.list(owner.identity);
      expect(sessions.map((s) => s.id)).toEqual([owner.identity.session.id]);
    } finally {
      await core.close();
    }
  });
});

describe("passwords and limits", () => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({
      env: { RATE_LIMIT_LOGIN_SUCCESS_ACCOUNT: "3/1m", RATE_LIMIT_LOGIN_ACCOUNT: "5/1m" },
    });
  });
  afterAll(() => core.close());

  it("upgrades a hash made with older parameters at the next login", async () => {
    const email = uniqueEmail();
    const weak = new PasswordHasher({
      params: { memoryCost: 8 * 1024, timeCost: 1, parallelism: 1 },
    });
    await core.db.prisma.user.create({
      data: { email, passwordHash: await weak.hash("correct horse battery") },
    });
    const before = (await core.db.prisma.user.findUniqueOrThrow({ where: { email } })).passwordHash;
    expect(before).toContain("m=8192,t=1");
    await loginSession(core.auth, { email, password: "correct horse battery" });
    const after = (await core.db.prisma.user.findUniqueOrThrow({ where: { email } })).passwordHash;
    expect(after).toContain("m=19456,t=2,p=1");
    // Still the same password.
    await loginSession(core.auth, { email, password: "correct horse battery" });
  });

  it("limits wrong current passwords like failed logins", async () => {
    const user = await signedIn(core);
    const wrong = { currentPassword: "not my password", newPassword: "whatever new one" };
    for (let i = 0; i < 5; i++)
      await expect(core.auth.accounts.changePassword(user.identity, wrong)).rejects.toSatisfy((e) =>
        isAuthError(e, "WRONG_PASSWORD"),
      );
    await expect(core.auth.accounts.changePassword(user.identity, wrong)).rejects.toSatisfy(
      (e) => isAuthError(e, "RATE_LIMITED") && (e.retryAfterSeconds ?? 0) >= 1,
    );
  });

  it("bounds successful logins per account", async () => {
    const user = await signedIn(core);
    await loginSession(core.auth, { email: user.email, password: user.password });
    await loginSession(core.auth, { email: user.email, password: user.password });
    await expect(
      loginSession(core.auth, { email: user.email, password: user.password }),
    ).rejects.toSatisfy((e) => isAuthError(e, "RATE_LIMITED"));
  });

  it("lets a browser that signed in before through while the account is under attack", async () => {
    const user = await signedIn(core);
    const { deviceToken } = user.pair;
    for (let i = 0; i < 5; i++)
      await expect(
        loginSession(core.auth, { email: user.email, password: `guess ${i}` }),
      ).rejects.toSatisfy((e) => isAuthError(e, "INVALID_CREDENTIALS"));
    // A fresh client, even with the right password, waits out the window…
    await expect(
      loginSession(core.auth, { email: user.email, password: user.password }),
    ).rejects.toSatisfy((e) => isAuthError(e, "RATE_LIMITED"));
    // …the owner's browser does not, and a device token for another account does not help.
    const owner = await loginSession(core.auth, { ...user, deviceToken });
    expect(await accepted(core, owner.accessToken)).toBe(true);
    const stranger = await signedIn(core);
    await expect(
      loginSession(core.auth, { ...user, deviceToken: stranger.pair.deviceToken }),
    ).rejects.toSatisfy((e) => isAuthError(e, "RATE_LIMITED"));
    await expect(
      loginSession(core.auth, { ...user, deviceToken: `${deviceToken.split(".")[0]}.forged` }),
    ).rejects.toSatisfy((e) => isAuthError(e, "RATE_LIMITED"));
  });

  it("answers OVERLOADED with a retry delay instead of queueing hashes without bound", async () => {
    const LOGINS = 6;
    // Every login reaches the hasher before any hash starts: the queue's bound decides, not
    // how fast this machine happens to run the database work in front of it.
    let arrived = 0;
    let release!: () => void;
    const allArrived = new Promise<void>((resolve) => (release = resolve));
    class GatedHasher extends PasswordHasher {
      override async verify(hash: string, password: string) {
        if (++arrived === LOGINS) release();
        await allArrived;
        return super.verify(hash, password);
      }
    }
    const tight = await startCore({
      db: core.db,
      passwords: new GatedHasher({ maxConcurrent: 1, maxQueued: 1 }),
      // Every attempt counts as a failure until it succeeds: the account's limit (5) would turn
      // the sixth away before it reaches the hasher.
      env: { RATE_LIMIT_LOGIN_SUCCESS_ACCOUNT: "off", RATE_LIMIT_LOGIN_ACCOUNT: "off" },
    });
    try {
      const user = await signedIn(core);
      const results = await Promise.allSettled(
        Array.from({ length: LOGINS }, () =>
          loginSession(tight.auth, { email: user.email, password: user.password }),
        ),
      );
      const overloaded = results.filter(
        (r) => r.status === "rejected" && isAuthError(r.reason, "OVERLOADED"),
      );
      // One hash runs, one waits, the rest are turned away at once.
      expect(overloaded).toHaveLength(LOGINS - 2);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
      for (const r of overloaded)
        expect((r as PromiseRejectedResult).reason).toMatchObject({ retryAfterSeconds: 1 });
    } finally {
      await tight.close();
    }
  });
});

describe("the admin bootstrap", () => {
  it("never lets a registrant's own password become admin", async () => {
    const first = await startCore();
    const email = uniqueEmail("admin");
    try {
      // Someone registers the address before the operator sets ADMIN_EMAIL.
      const squatter = await signedIn(first, email, "squatter password");
      const env = { ADMIN_EMAIL: email, ADMIN_PASSWORD: "the operator's password" };
      const second = await startCore({ db: first.db, env });
      try {
        await second.auth.accounts.ensureAdmin({ email, password: env.ADMIN_PASSWORD });
        await expect(
          loginSession(second.auth, { email, password: "squatter password" }),
        ).rejects.toSatisfy((e) => isAuthError(e, "INVALID_CREDENTIALS"));
        expect(await accepted(second, squatter.pair.accessToken)).toBe(false);
        await expect(second.auth.sessions.refresh(squatter.pair.refreshToken)).rejects.toThrow();
        const operator = await loginSession(second.auth, { email, password: env.ADMIN_PASSWORD });
        expect(operator.user.role).toBe("admin");
        expect(second.events).toContainEqual(
          expect.objectContaining({ event: "admin.bootstrap", reason: "password_reset" }),
        );
        // A restart leaves the admin alone, even after a password change.
        const identity = await second.auth.authenticate(operator.accessToken);
        await second.auth.accounts.changePassword(identity, {
          currentPassword: env.ADMIN_PASSWORD,
          newPassword: "changed by the admin",
        });
        await second.auth.accounts.ensureAdmin({ email, password: env.ADMIN_PASSWORD });
        await loginSession(second.auth, { email, password: "changed by the admin" });
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it("promotes an existing account only when its password is ADMIN_PASSWORD", async () => {
    const core = await startCore();
    try {
      const user = await signedIn(core, uniqueEmail("promote"), "the operator's password");
      await core.auth.accounts.ensureAdmin({ email: user.email, password: user.password });
      const after = await loginSession(core.auth, { email: user.email, password: user.password });
      expect(after.user.role).toBe("admin");
      expect(await accepted(core, user.pair.accessToken)).toBe(false);
    } finally {
      await core.close();
    }
  });
});
