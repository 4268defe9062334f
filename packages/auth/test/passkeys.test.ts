import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import { isAuthError } from "../src/errors";
import { SoftwareAuthenticator } from "../src/testing";
import type { Identity } from "../src/types";
import { accepted, PASSWORD, signedIn, startCore, type CoreUnderTest } from "./setup";

const ORIGIN = "http://app.test";
const META = { userAgent: "passkey-tests", clientIp: "192.0.2.10" };
/** These suites ask for many challenges from one address; the limit has a suite of its own. */
const MANY_OPTIONS = { RATE_LIMIT_PASSKEY_OPTIONS_IP: "100000/1m" };

/** The code a rejected promise carries, or "resolved". */
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (isAuthError(error) ? error.code : String(error)),
  );

describe.each(await databaseKinds())("passkeys (%s)", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({ kind, env: { APP_URL: ORIGIN, ...MANY_OPTIONS } });
  });
  afterAll(() => core.close());

  /** A signed-in account holding one passkey of `authenticator`. */
  async function withPasskey(authenticator = new SoftwareAuthenticator({ origin: ORIGIN })) {
    const account = await signedIn(core);
    const options = await core.auth.passkeys.registrationOptions(account.identity, META);
    const response = authenticator.register(options);
    const { passkey } = await core.auth.passkeys.register(
      account.identity,
      { response, name: "Laptop" },
      META,
    );
    return { ...account, authenticator, passkey };
  }

  const signInOptions = () => core.auth.passkeys.authenticationOptions(undefined, META);

  it("registers a passkey: listed, device-bound, other sessions ended, event logged", async () => {
    const account = await signedIn(core);
    const other = await core.auth.sessions.login({ email: account.email, password: PASSWORD });
    if (other.status !== "signed_in") throw new Error("expected a session");
    const options = await core.auth.passkeys.registrationOptions(account.identity, META);
    expect(options).toMatchObject({ rp: { id: "app.test" }, attestation: "none" });
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const { passkey, recoveryCodes } = await core.auth.passkeys.register(
      account.identity,
      { response: authenticator.register(options), name: "Laptop" },
      META,
    );
    // The account's first factor: its recovery codes come with it, once.
    expect(recoveryCodes).toHaveLength(10);
    expect(passkey).toMatchObject({ name: "Laptop", synced: false, transports: ["internal"] });
    expect(await core.auth.passkeys.list(account.identity)).toEqual([passkey]);
    expect(await accepted(core, other.session.accessToken)).toBe(false);
    expect(await accepted(core, account.pair.accessToken)).toBe(true);
    expect(core.events).toContainEqual(
      expect.objectContaining({ event: "passkey.added", userId: account.identity.user.id }),
    );
    expect(core.notices).toContainEqual(
      expect.objectContaining({
        kind: "mfa_factor_added",
        factorType: "passkey",
        to: account.email,
      }),
    );
  });

  it("refuses a registration answered for another session's challenge", async () => {
    const first = await signedIn(core);
    const second = await signedIn(core);
    const options = await core.auth.passkeys.registrationOptions(first.identity, META);
    const response = new SoftwareAuthenticator({ origin: ORIGIN }).register(options);
    expect(await codeOf(core.auth.passkeys.register(second.identity, { response }, META))).toBe(
      "PASSKEY_REJECTED",
    );
  });

  it("signs in without a password: a session whose amr says hwk, user, mfa", async () => {
    const { authenticator, identity } = await withPasskey();
    const response = authenticator.authenticate(await signInOptions());
    const { session, email } = await core.auth.passkeys.authenticate({ response }, META);
    expect(session.user.id).toBe(identity.user.id);
    expect(email).toBe(session.user.email);
    expect(decodeJwt(session.accessToken).amr).toEqual(["hwk", "user", "mfa"]);
    expect(await core.auth.sessions.refresh(session.refreshToken)).toMatchObject({
      user: { id: identity.user.id },
    });
  });

  it("says swk for a synced passkey, whose counter stays 0", async () => {
    const { authenticator } = await withPasskey(
      new SoftwareAuthenticator({ origin: ORIGIN, synced: true }),
    );
    for (let round = 0; round < 2; round++) {
      const response = authenticator.authenticate(await signInOptions());
      const { session } = await core.auth.passkeys.authenticate({ response }, META);
      expect(decodeJwt(session.accessToken).amr).toEqual(["swk", "user", "mfa"]);
    }
  });

  it("completes a password sign-in's second step with the account's passkey", async () => {
    const { authenticator, email, passkey } = await withPasskey();
    const outcome = await core.auth.sessions.login({ email, password: PASSWORD }, META);
    if (outcome.status !== "mfa_required") throw new Error("expected a challenge");
    expect(outcome.challenge.methods).toContain("passkey");
    const options = await core.auth.passkeys.authenticationOptions(outcome.challenge.token, META);
    expect(options.allowCredentials).toHaveLength(1);
    const response = authenticator.authenticate(options);
    expect(response.id).toBe(options.allowCredentials?.[0]?.id);
    const { session } = await core.auth.passkeys.authenticate(
      { response, challenge: outcome.challenge.token },
      META,
    );
    expect(decodeJwt(session.accessToken).amr).toEqual(["pwd", "hwk", "user", "mfa"]);
    expect(
      (await core.auth.passkeys.list(await core.auth.authenticate(session.accessToken)))[0],
    ).toMatchObject({ id: passkey.id, lastUsedAt: expect.any(String) });
  });

  it("refuses another account's passkey as a second step", async () => {
    const victim = await withPasskey();
    const attacker = await withPasskey();
    const outcome = await core.auth.sessions.login(
      { email: victim.email, password: PASSWORD },
      META,
    );
    if (outcome.status !== "mfa_required") throw new Error("expected a challenge");
    // The attacker's own sign-in options, answered with the attacker's passkey.
    const response = attacker.authenticator.authenticate(await signInOptions());
    expect(
      await codeOf(
        core.auth.passkeys.authenticate({ response, challenge: outcome.challenge.token }, META),
      ),
    ).toBe("MFA_CODE_INVALID");
  });

  it("refuses a replayed assertion: the challenge is single use", async () => {
    const { authenticator } = await withPasskey();
    const response = authenticator.authenticate(await signInOptions());
    await core.auth.passkeys.authenticate({ response }, META);
    expect(await codeOf(core.auth.passkeys.authenticate({ response }, META))).toBe(
      "PASSKEY_REJECTED",
    );
  });

  it("refuses a challenge after its 5 minutes", async () => {
    const { authenticator } = await withPasskey();
    const options = await signInOptions();
    core.clock.advance(5 * 60 + 1);
    const response = authenticator.authenticate(options);
    expect(await codeOf(core.auth.passkeys.authenticate({ response }, META))).toBe(
      "PASSKEY_REJECTED",
    );
  });

  it("accepts a challenge just inside its 5 minutes", async () => {
    const { authenticator } = await withPasskey();
    const options = await signInOptions();
    core.clock.advance(5 * 60 - 1);
    const response = authenticator.authenticate(options);
    expect(await codeOf(core.auth.passkeys.authenticate({ response }, META))).toBe("resolved");
  });

  it("refuses a challenge answered from another client", async () => {
    const { authenticator } = await withPasskey();
    const response = authenticator.authenticate(await signInOptions());
    const elsewhere = { ...META, userAgent: "another browser" };
    expect(await codeOf(core.auth.passkeys.authenticate({ response }, elsewhere))).toBe(
      "PASSKEY_REJECTED",
    );
  });

  it.each([
    ["another origin", { origin: "https://evil.test" }],
    ["another RP ID", { rpId: "evil.test" }],
    ["no user verification", { userVerified: false }],
  ])("refuses %s", async (_label, overrides) => {
    const { authenticator } = await withPasskey();
    const response = authenticator.authenticate(await signInOptions(), overrides);
    expect(await codeOf(core.auth.passkeys.authenticate({ response }, META))).toBe(
      "PASSKEY_REJECTED",
    );
  });

  it("refuses a registration for another origin or RP ID", async () => {
    const { identity } = await signedIn(core);
    for (const overrides of [{ origin: "https://evil.test" }, { rpId: "evil.test" }]) {
      const options = await core.auth.passkeys.registrationOptions(identity, META);
      const response = new SoftwareAuthenticator({ origin: ORIGIN }).register(options, overrides);
      expect(await codeOf(core.auth.passkeys.register(identity, { response }, META))).toBe(
        "PASSKEY_REJECTED",
      );
    }
    expect(await core.auth.passkeys.list(identity)).toEqual([]);
  });

  it("refuses and logs a device-bound passkey whose counter went back", async () => {
    const { authenticator, passkey } = await withPasskey();
    for (let round = 0; round < 3; round++)
      await core.auth.passkeys.authenticate(
        { response: authenticator.authenticate(await signInOptions()) },
        META,
      );
    const cloned = authenticator.authenticate(await signInOptions(), { counter: 2 });
    expect(await codeOf(core.auth.passkeys.authenticate({ response: cloned }, META))).toBe(
      "PASSKEY_REJECTED",
    );
    expect(core.events).toContainEqual(
      expect.objectContaining({ event: "passkey.counter_regressed", factorId: passkey.id }),
    );
  });

  it("refuses a disabled user's passkey with the same error", async () => {
    const { authenticator, identity } = await withPasskey();
    const admin = await signedIn(core);
    await core.auth.admin.disableUser({ id: admin.identity.user.id }, identity.user.id);
    const response = authenticator.authenticate(await signInOptions());
    expect(await codeOf(core.auth.passkeys.authenticate({ response }, META))).toBe(
      "PASSKEY_REJECTED",
    );
  });

  it("renames, removes (ending other sessions), and refuses the removed passkey", async () => {
    const { authenticator, identity, passkey, email } = await withPasskey();
    expect(
      await core.auth.passkeys.rename(identity, { id: passkey.id, name: "Work" }),
    ).toMatchObject({ name: "Work" });
    const other = await core.auth.passkeys.authenticate(
      { response: authenticator.authenticate(await signInOptions()) },
      META,
    );
    const options = await signInOptions();
    await core.auth.passkeys.remove(identity, passkey.id, META);
    expect(await accepted(core, other.session.accessToken)).toBe(false);
    expect(await core.auth.passkeys.list(identity)).toEqual([]);
    expect(
      await codeOf(
        core.auth.passkeys.authenticate({ response: authenticator.authenticate(options) }, META),
      ),
    ).toBe("PASSKEY_REJECTED");
    // No factor left: the password alone signs in again.
    expect((await core.auth.sessions.login({ email, password: PASSWORD })).status).toBe(
      "signed_in",
    );
    expect(core.events).toContainEqual(
      expect.objectContaining({ event: "passkey.removed", factorId: passkey.id }),
    );
    expect(core.notices).toContainEqual(
      expect.objectContaining({ kind: "mfa_factor_removed", factorType: "passkey", to: email }),
    );
  });

  it("refuses to remove someone else's passkey", async () => {
    const { passkey } = await withPasskey();
    const stranger = await signedIn(core);
    expect(await codeOf(core.auth.passkeys.remove(stranger.identity, passkey.id, META))).toBe(
      "NOT_FOUND",
    );
  });

  it("re-authenticates the signed-in user with a passkey bound to the session", async () => {
    const { authenticator, identity } = await withPasskey();
    const options = await core.auth.passkeys.reauthenticationOptions(identity, META);
    const response = authenticator.authenticate(options);
    const stranger: Identity = (await signedIn(core)).identity;
    expect(await core.auth.passkeys.reauthenticate(stranger, response, META)).toBeNull();
    const again = authenticator.authenticate(
      await core.auth.passkeys.reauthenticationOptions(identity, META),
    );
    expect(await core.auth.passkeys.reauthenticate(identity, again, META)).toEqual(["hwk", "user"]);
  });
});

describe.each(await databaseKinds())("auth.reauthenticate with a passkey (%s)", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({ kind, env: { APP_URL: ORIGIN, ...MANY_OPTIONS } });
  });
  afterAll(() => core.close());

  it("answers a token with a fresh auth_time and the passkey's methods", async () => {
    const { identity } = await signedIn(core);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const options = await core.auth.passkeys.registrationOptions(identity, META);
    await core.auth.passkeys.register(
      identity,
      { response: authenticator.register(options) },
      META,
    );
    core.clock.advance(30 * 60);
    const stale = (reason: unknown) => isAuthError(reason, "REAUTHENTICATION_REQUIRED");
    expect(
      stale(
        await Promise.resolve()
          .then(() => core.auth.assertFresh(identity))
          .catch((e: unknown) => e),
      ),
    ).toBe(true);
    const response = authenticator.authenticate(
      await core.auth.passkeys.reauthenticationOptions(identity, META),
    );
    const fresh = await core.auth.mfa.reauthenticate(identity, { passkey: response }, META);
    const claims = decodeJwt(fresh.accessToken);
    expect(claims.auth_time).toBe(Math.floor(core.clock.now() / 1000));
    expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "hwk", "user"]));
    // The same assertion again: its challenge is spent.
    expect(await codeOf(core.auth.mfa.reauthenticate(identity, { passkey: response }, META))).toBe(
      "PASSKEY_REJECTED",
    );
  });
});

describe.each(await databaseKinds())("passkeys under MFA_REQUIRED_FOR=all (%s)", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({
      kind,
      env: { APP_URL: ORIGIN, MFA_REQUIRED_FOR: "all", ...MANY_OPTIONS },
    });
  });
  afterAll(() => core.close());

  it("refuses to remove the last factor with FACTOR_REQUIRED, and keeps it", async () => {
    const { identity } = await signedIn(core);
    const options = await core.auth.passkeys.registrationOptions(identity, META);
    const response = new SoftwareAuthenticator({ origin: ORIGIN }).register(options);
    const { passkey } = await core.auth.passkeys.register(identity, { response }, META);
    expect(await codeOf(core.auth.passkeys.remove(identity, passkey.id, META))).toBe(
      "FACTOR_REQUIRED",
    );
    expect(await core.auth.passkeys.list(identity)).toEqual([passkey]);
  });
});

describe.each(await databaseKinds())("WebAuthn challenges are bounded (%s)", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({
      kind,
      env: { APP_URL: ORIGIN, RATE_LIMIT_PASSKEY_OPTIONS_IP: "3/1m" },
    });
  });
  afterAll(() => core.close());

  const stored = () => core.db.prisma.webAuthnChallenge.count();
  const from = (clientIp: string) => ({ userAgent: "passkey-tests", clientIp });

  it("counts every challenge against RATE_LIMIT_PASSKEY_OPTIONS_IP per address; a refused one stores nothing", async () => {
    const before = await stored();
    for (let i = 0; i < 3; i++)
      await core.auth.passkeys.authenticationOptions(undefined, from("192.0.2.20"));
    expect(await stored()).toBe(before + 3);
    expect(
      await codeOf(core.auth.passkeys.authenticationOptions(undefined, from("192.0.2.20"))),
    ).toBe("RATE_LIMITED");
    expect(await stored()).toBe(before + 3);
    // Signed-in ceremonies draw on the same budget: each is a stored row as well.
    const account = await signedIn(core);
    expect(
      await codeOf(core.auth.passkeys.registrationOptions(account.identity, from("192.0.2.20"))),
    ).toBe("RATE_LIMITED");
    // Another address has its own; the window turns.
    await core.auth.passkeys.authenticationOptions(undefined, from("192.0.2.21"));
    core.clock.advance(61);
    await core.auth.passkeys.authenticationOptions(undefined, from("192.0.2.20"));
  });

  it("prunes challenges past their 5 minutes, and keeps live ones", async () => {
    await core.auth.passkeys.authenticationOptions(undefined, from("192.0.2.30"));
    core.clock.advance(5 * 60 + 1);
    const options = await core.auth.passkeys.authenticationOptions(undefined, from("192.0.2.31"));
    await core.auth.prune();
    const left = await core.db.prisma.webAuthnChallenge.findMany({ select: { expiresAt: true } });
    expect(left.length).toBeGreaterThanOrEqual(1);
    for (const row of left) expect(row.expiresAt.getTime()).toBeGreaterThan(core.clock.now());
    expect(options.challenge).toBeTruthy();
  });
});
