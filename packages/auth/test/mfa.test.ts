import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import { totpCode, totpStep } from "../src/mfa/totp";
import { challengeFor, enrolTotp, outcomeOf } from "./mfa-helpers";
import { accepted, PASSWORD, signedIn, startCore, uniqueEmail, type CoreUnderTest } from "./setup";

describe("TOTP against RFC 6238 Appendix B (SHA-1)", () => {
  const key = new TextEncoder().encode("12345678901234567890");
  it.each([
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ])("T = %i s gives %s", (seconds, expected) => {
    expect(totpCode(key, totpStep(seconds * 1000), 8)).toBe(expected);
  });
});

describe.each(await databaseKinds())("second factors (%s)", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({ kind, env: { REFRESH_REUSE_GRACE: "0s" } });
  });
  afterAll(() => core.close());

  /** A user with an enrolled authenticator, and the session that enrolled it. */
  async function withFactor() {
    const user = await signedIn(core);
    const app = await enrolTotp(core, user.identity);
    return { ...user, app, login: { email: user.email, password: PASSWORD } };
  }

  it("enrols: the first factor gets ten readable recovery codes, the secret is stored encrypted", async () => {
    const { app, identity } = await withFactor();
    expect(app.recoveryCodes).toHaveLength(10);
    for (const code of app.recoveryCodes!) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const [row] = await core.db.prisma.mfaFactor.findMany({ where: { id: app.factorId } });
    expect(row?.totpSecret).toMatch(/^v1\./);
    expect(row?.totpSecret).not.toContain(Buffer.from(app.key).toString("base64url"));
    const stored = await core.db.prisma.recoveryCode.findMany({
      where: { userId: identity.user.id },
    });
    expect(stored.map((r) => r.codeHash)).not.toContain(app.recoveryCodes![0]);
    expect(await core.auth.mfa.factors(identity)).toEqual([
      expect.objectContaining({ id: app.factorId, type: "totp", name: "Authenticator app" }),
    ]);
    expect(core.events.some((e) => e.event === "mfa.enrolled" && e.factorId === app.factorId)).toBe(
      true,
    );
    expect(core.notices).toContainEqual(expect.objectContaining({ kind: "mfa_factor_added" }));
  });

  it("a confirm with a wrong code enables nothing", async () => {
    const { identity } = await signedIn(core);
    const { factorId } = await core.auth.mfa.beginTotp(identity);
    expect(await outcomeOf(core.auth.mfa.confirmTotp(identity, { factorId, code: "000000" }))).toBe(
      "MFA_CODE_INVALID",
    );
    expect(await core.auth.mfa.factors(identity)).toEqual([]);
  });

  it("signs in with the code: amr pwd+otp+mfa, and a refresh keeps auth_time and amr", async () => {
    const { app, login } = await withFactor();
    const challenge = await challengeFor(core, login);
    expect(challenge.methods).toEqual(["totp", "recovery_code"]);
    const signInAt = Math.floor(core.clock.now() / 1000);
    const session = await core.auth.mfa.verify({ challenge: challenge.token, code: app.code() });
    expect(decodeJwt(session.accessToken)).toMatchObject({ auth_time: signInAt });
    expect(decodeJwt(session.accessToken).amr).toEqual(
      expect.arrayContaining(["pwd", "otp", "mfa"]),
    );
    core.clock.advance(20 * 60);
    const refreshed = await core.auth.sessions.refresh(session.refreshToken);
    expect(decodeJwt(refreshed.accessToken)).toMatchObject({ auth_time: signInAt });
    expect(decodeJwt(refreshed.accessToken).amr).toEqual(decodeJwt(session.accessToken).amr);
  });

  it("refuses a code used once already (RFC 6238 §5.2), and an earlier step's", async () => {
    const { app, login } = await withFactor();
    const code = app.code();
    const first = await challengeFor(core, login);
    await core.auth.mfa.verify({ challenge: first.token, code });
    const again = await challengeFor(core, login);
    expect(await outcomeOf(core.auth.mfa.verify({ challenge: again.token, code }))).toBe(
      "MFA_CODE_INVALID",
    );
    expect(
      await outcomeOf(core.auth.mfa.verify({ challenge: again.token, code: app.code(-1) })),
    ).toBe("MFA_CODE_INVALID");
  });

  it("gives one success to two concurrent requests with one code", async () => {
    const { app, login, identity } = await withFactor();
    const [a, b] = [await challengeFor(core, login), await challengeFor(core, login)];
    const code = app.code();
    const results = await Promise.all(
      [a, b].map((c) => outcomeOf(core.auth.mfa.verify({ challenge: c.token, code }))),
    );
    expect(results.sort()).toEqual(["MFA_CODE_INVALID", "ok"]);
    const sessions = await core.db.prisma.session.count({ where: { userId: identity.user.id } });
    expect(sessions).toBe(2); // the enrolling one and the winner
  });

  it("accepts one step of drift either way and refuses two", async () => {
    const { app, login } = await withFactor();
    // Two steps past the enrolment's, so the step before this one was never spent.
    core.clock.advance(60);
    const challenge = await challengeFor(core, login);
    const verify = (code: string) =>
      outcomeOf(core.auth.mfa.verify({ challenge: challenge.token, code }));
    expect(await verify(app.code(-2))).toBe("MFA_CODE_INVALID");
    expect(await verify(app.code(2))).toBe("MFA_CODE_INVALID");
    expect(await verify(app.code(-1))).toBe("ok");
    const next = await challengeFor(core, login);
    expect(
      await outcomeOf(core.auth.mfa.verify({ challenge: next.token, code: app.code(1) })),
    ).toBe("ok");
  });

  it("ends a challenge after 5 wrong codes: the right one no longer works", async () => {
    const { app, login, identity } = await withFactor();
    const challenge = await challengeFor(core, login);
    const wrong = app.code() === "123456" ? "654321" : "123456";
    const answers: string[] = [];
    for (let i = 0; i < 5; i++)
      answers.push(
        await outcomeOf(core.auth.mfa.verify({ challenge: challenge.token, code: wrong })),
      );
    expect(answers).toEqual([...Array(4).fill("MFA_CODE_INVALID"), "MFA_CHALLENGE_INVALID"]);
    expect(
      await outcomeOf(core.auth.mfa.verify({ challenge: challenge.token, code: app.code() })),
    ).toBe("MFA_CHALLENGE_INVALID");
    const failed = core.events.filter(
      (e) => e.event === "mfa.challenge_failed" && e.userId === identity.user.id,
    );
    expect(failed.map((e) => e.reason)).toEqual([
      ...Array(4).fill("wrong_code"),
      "challenge_ended",
    ]);
  });

  it("spends a recovery code once, even under concurrency, and mails how many are left", async () => {
    const { app, login, identity } = await withFactor();
    const [a, b] = [await challengeFor(core, login), await challengeFor(core, login)];
    const recoveryCode = app.recoveryCodes![3]!.toUpperCase();
    const results = await Promise.all(
      [a, b].map((c) => outcomeOf(core.auth.mfa.verify({ challenge: c.token, recoveryCode }))),
    );
    expect(results.sort()).toEqual(["MFA_CODE_INVALID", "ok"]);
    const c = await challengeFor(core, login);
    expect(await outcomeOf(core.auth.mfa.verify({ challenge: c.token, recoveryCode }))).toBe(
      "MFA_CODE_INVALID",
    );
    expect(core.notices).toContainEqual({
      kind: "recovery_code_used",
      to: login.email,
      userId: identity.user.id,
      remaining: 9,
    });
    const used = core.events.filter(
      (e) => e.event === "mfa.recovery_code_used" && e.userId === identity.user.id,
    );
    expect(used).toHaveLength(1);
  });

  it("a password reset does not remove or skip the factor", async () => {
    const { login } = await withFactor();
    await core.auth.recovery.request(login.email);
    await core.auth.settled();
    const mail = core.mails.findLast((m) => m.kind === "password_reset" && m.to === login.email);
    await core.auth.recovery.reset({
      token: mail!.token,
      password: "another horse battery staple",
    });
    const outcome = await core.auth.sessions.login({
      ...login,
      password: "another horse battery staple",
    });
    expect(outcome.status).toBe("mfa_required");
  });

  it("adding a factor ends every other session of the user; removing one too", async () => {
    const user = await signedIn(core);
    const other = await core.auth.sessions.login({ email: user.email, password: PASSWORD });
    if (other.status !== "signed_in") throw new Error("no session");
    const app = await enrolTotp(core, user.identity);
    expect(await accepted(core, other.session.accessToken)).toBe(false);
    expect(await outcomeOf(core.auth.sessions.refresh(other.session.refreshToken))).toBe(
      "UNAUTHENTICATED",
    );
    expect(await accepted(core, user.pair.accessToken)).toBe(true);

    const c = await challengeFor(core, { email: user.email, password: PASSWORD });
    const third = await core.auth.mfa.verify({ challenge: c.token, code: app.code() });
    await core.auth.mfa.remove(user.identity, app.factorId);
    expect(await accepted(core, third.accessToken)).toBe(false);
    expect(await accepted(core, user.pair.accessToken)).toBe(true);
    expect(core.notices).toContainEqual(expect.objectContaining({ kind: "mfa_factor_removed" }));
    // The last factor gone: password alone signs in, and the recovery codes went with it.
    const outcome = await core.auth.sessions.login({ email: user.email, password: PASSWORD });
    expect(outcome.status).toBe("signed_in");
    expect(
      await core.db.prisma.recoveryCode.count({ where: { userId: user.identity.user.id } }),
    ).toBe(0);
  });

  it("step-up: stale after REAUTH_MAX_AGE; a code renews auth_time, a password alone does not do for a factor", async () => {
    const { app, identity, pair } = await withFactor();
    core.clock.advance(11 * 60);
    expect(() => core.auth.assertFresh(identity)).toThrow(
      expect.objectContaining({ code: "REAUTHENTICATION_REQUIRED" }),
    );
    expect(await outcomeOf(core.auth.mfa.reauthenticate(identity, { password: PASSWORD }))).toBe(
      "MFA_REQUIRED",
    );
    expect(await outcomeOf(core.auth.mfa.reauthenticate(identity, { code: "000000" }))).toBe(
      app.code() === "000000" ? "ok" : "MFA_CODE_INVALID",
    );
    const now = Math.floor(core.clock.now() / 1000);
    const fresh = await core.auth.mfa.reauthenticate(identity, { code: app.code() });
    const renewed = await core.auth.authenticate(fresh.accessToken);
    expect(renewed.token.auth_time).toBe(now);
    expect(renewed.token.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
    expect(() => core.auth.assertFresh(renewed)).not.toThrow();
    // The session keeps it: a refresh carries the new auth_time.
    const refreshed = await core.auth.sessions.refresh(pair.refreshToken);
    expect(decodeJwt(refreshed.accessToken).auth_time).toBe(now);
    expect(
      core.events.some((e) => e.event === "reauthenticated" && e.userId === identity.user.id),
    ).toBe(true);
  });

  it("step-up without a factor: the password, counted when wrong", async () => {
    const { identity } = await signedIn(core);
    expect(await outcomeOf(core.auth.mfa.reauthenticate(identity, { password: "wrong one" }))).toBe(
      "WRONG_PASSWORD",
    );
    const fresh = await core.auth.mfa.reauthenticate(identity, { password: PASSWORD });
    expect(decodeJwt(fresh.accessToken).amr).toEqual(["pwd"]);
  });

  it("regenerating recovery codes voids the old set", async () => {
    const { app, identity, login } = await withFactor();
    const fresh = await core.auth.mfa.regenerateRecoveryCodes(identity);
    expect(fresh).toHaveLength(10);
    const c = await challengeFor(core, login);
    expect(
      await outcomeOf(
        core.auth.mfa.verify({ challenge: c.token, recoveryCode: app.recoveryCodes![0]! }),
      ),
    ).toBe("MFA_CODE_INVALID");
    expect(
      await outcomeOf(core.auth.mfa.verify({ challenge: c.token, recoveryCode: fresh[0]! })),
    ).toBe("ok");
  });

  it("an admin reset removes the factors and ends every session of the user", async () => {
    const { identity, login, pair } = await withFactor();
    await core.auth.admin.resetMfa({ id: identity.user.id }, identity.user.id);
    expect(await accepted(core, pair.accessToken)).toBe(false);
    expect((await core.auth.sessions.login(login)).status).toBe("signed_in");
    expect(
      core.events.some((e) => e.event === "mfa.reset_by_admin" && e.userId === identity.user.id),
    ).toBe(true);
  });

  it("another user's factor cannot be removed", async () => {
    const { app } = await withFactor();
    const stranger = await signedIn(core, uniqueEmail("stranger"));
    expect(await outcomeOf(core.auth.mfa.remove(stranger.identity, app.factorId))).toBe(
      "NOT_FOUND",
    );
  });
});
