/**
 * Second factors over HTTP (docs/mfa.md): the entry-point walk (every way in that takes a
 * password gives nothing that grants access before the second step), each entry point's second
 * step, the fresh guard with re-authentication, and MFA_REQUIRED_FOR=admin and =all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import { totpCode, totpStep } from "@authkit/auth/internal";
import { errorCode, isError, isRevoked, openSse, subscriptionUrl, ticketFor } from "./sse";
import {
  call,
  cookieFrom,
  login,
  registerAndLogin,
  signedInAdmin,
  startTestServer,
  type CallResult,
  type SignedIn,
  type TestServer,
} from "./harness";

const ORIGIN = "http://app.test";
const SAME_ORIGIN = { origin: ORIGIN, "sec-fetch-site": "same-origin" };
const authCodeOf = (result: CallResult) =>
  (result.body.error?.data as { authCode?: string | null } | undefined)?.authCode;

/** Enrols an authenticator through the API; the code function reads the server's clock. */
async function enrolTotp(server: TestServer, user: SignedIn) {
  const begun = await call<{ factorId: string; secret: string; uri: string }>(
    server.url,
    "mutation",
    "mfa.totp.begin",
    { token: user.accessToken },
  );
  expect(begun.status).toBe(200);
  expect(begun.data.uri).toMatch(/^otpauth:\/\/totp\/Authkit:/);
  const key = base32(begun.data.secret);
  const code = () => totpCode(key, totpStep(server.clock.now()));
  const confirmed = await call<{ recoveryCodes: string[] }>(
    server.url,
    "mutation",
    "mfa.totp.confirm",
    {
      token: user.accessToken,
      input: { factorId: begun.data.factorId, code: code() },
    },
  );
  expect(confirmed.status).toBe(200);
  server.clock.advance(30);
  return { code, recoveryCodes: confirmed.data.recoveryCodes, factorId: begun.data.factorId };
}

/** `auth.reauthenticate({ code })`: the token's session re-proven with a second factor. */
const reauthenticateWithCode = (server: TestServer, token: string, code: string) =>
  call<{ accessToken: string }>(server.url, "mutation", "auth.reauthenticate", {
    token,
    input: { code },
  });

describe.each(await databaseKinds())("second factors over HTTP (%s)", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      database,
      store: "database",
      env: { MFA_REQUIRED_FOR: "admin", REAUTH_MAX_AGE: "2m" },
    });
  });
  afterAll(() => server.close());

  const enrol = (user: SignedIn) => enrolTotp(server, user);

  const sessionsOf = (userId: string) =>
    server.app.db.prisma.session.count({ where: { userId, revokedAt: null } });

  const form = (path: string, fields: Record<string, string>, cookie?: string) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...SAME_ORIGIN,
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });

  it("entry-point walk: tRPC, form and OAuth password grant give nothing before the second step", async () => {
    const user = await registerAndLogin(server.url);
    const app = await enrol(user);
    const before = await sessionsOf(user.userId);

    const trpc = await call<Record<string, unknown>>(server.url, "mutation", "auth.login", {
      input: { email: user.email, password: user.password },
    });
    expect(trpc.status).toBe(200);
    expect(trpc.data).toMatchObject({ mfaRequired: true, methods: ["totp", "recovery_code"] });
    expect(trpc.data).not.toHaveProperty("accessToken");
    expect(cookieFrom(trpc)).toBeNull();

    const viaForm = await form("/api/auth/login", { email: user.email, password: user.password });
    expect(viaForm.status).toBe(303);
    expect(viaForm.headers.get("location")).toBe("/login/second-factor");
    const formCookies = viaForm.headers.getSetCookie();
    expect(formCookies.some((c) => c.startsWith("refresh_token="))).toBe(false);
    expect(formCookies.some((c) => c.startsWith("login_challenge="))).toBe(true);

    const grant = await fetch(`${server.url}/api/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        username: user.email,
        password: user.password,
      }),
    });
    const grantBody = (await grant.json()) as Record<string, unknown>;
    expect(grant.status).toBe(403);
    expect(grantBody).toMatchObject({ error: "mfa_required", mfa_token: expect.any(String) });
    expect(grantBody).not.toHaveProperty("access_token");
    expect(grantBody).not.toHaveProperty("refresh_token");

    expect(await sessionsOf(user.userId)).toBe(before);

    // Each entry point's second step: what a login without a factor answers.
    const verified = await call<{ accessToken: string }>(server.url, "mutation", "auth.verifyMfa", {
      input: { challenge: trpc.data.challenge, code: app.code() },
    });
    expect(verified.status).toBe(200);
    expect(verified.data.accessToken).toEqual(expect.any(String));
    expect(cookieFrom(verified)).not.toBeNull();

    server.clock.advance(30);
    const challengeCookie = formCookies
      .find((c) => c.startsWith("login_challenge="))!
      .split(";")[0]!;
    const second = await form("/api/auth/second-factor", { code: app.code() }, challengeCookie);
    expect(second.status).toBe(303);
    expect(second.headers.get("location")).toBe("/");
    expect(second.headers.getSetCookie().some((c) => c.startsWith("refresh_token="))).toBe(true);

    const otpGrant = await fetch(`${server.url}/api/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "urn:authkit:params:oauth:grant-type:mfa-recovery-code",
        mfa_token: String(grantBody.mfa_token),
        recovery_code: app.recoveryCodes[0]!,
      }),
    });
    expect(otpGrant.status).toBe(200);
    expect(await otpGrant.json()).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    expect(await sessionsOf(user.userId)).toBe(before + 3);
  });

  it("the OAuth mfa-otp grant completes a password grant; a wrong otp is invalid_grant", async () => {
    const user = await registerAndLogin(server.url);
    const app = await enrol(user);
    const grant = await fetch(`${server.url}/api/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        username: user.email,
        password: user.password,
      }),
    });
    const { mfa_token } = (await grant.json()) as { mfa_token: string };
    const otp = (code: string) =>
      fetch(`${server.url}/api/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "urn:authkit:params:oauth:grant-type:mfa-otp",
          mfa_token,
          otp: code,
        }),
      });
    const wrong = await otp(app.code() === "000000" ? "111111" : "000000");
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    const right = await otp(app.code());
    expect(right.status).toBe(200);
  });

  it("adding and removing a factor end the other sessions' live streams with mfa_changed", async () => {
    const user = await registerAndLogin(server.url);
    const live = async (session: SignedIn) => {
      const url = subscriptionUrl(server.url, "session.events", {
        ticket: await ticketFor(server.url, session.accessToken),
      });
      const stream = await openSse(url);
      await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
      return stream;
    };
    const other = await live(await login(server.url, user.email, user.password));
    const app = await enrol(user);
    expect((await other.waitFor(isRevoked)).data).toEqual({
      type: "revoked",
      reason: "mfa_changed",
    });
    expect(errorCode(await other.waitFor(isError))).toBe("UNAUTHORIZED");

    const challenge = await call<{ challenge: string }>(server.url, "mutation", "auth.login", {
      input: { email: user.email, password: user.password },
    });
    const second = await call<{ accessToken: string }>(server.url, "mutation", "auth.verifyMfa", {
      input: { challenge: challenge.data.challenge, code: app.code() },
    });
    const secondStream = await live({ ...user, accessToken: second.data.accessToken });
    const removed = await call(server.url, "mutation", "mfa.remove", {
      token: user.accessToken,
      input: { factorId: app.factorId },
    });
    expect(removed.status).toBe(200);
    expect((await secondStream.waitFor(isRevoked)).data).toEqual({
      type: "revoked",
      reason: "mfa_changed",
    });
    const stillIn = await call(server.url, "query", "mfa.factors", { token: user.accessToken });
    expect(stillIn.status).toBe(200);
  });

  it("fresh guard: a stale token gets 403 REAUTHENTICATION_REQUIRED until auth.reauthenticate", async () => {
    const user = await registerAndLogin(server.url);
    server.clock.advance(3 * 60);
    const stale = await call(server.url, "mutation", "mfa.totp.begin", { token: user.accessToken });
    expect(stale.status).toBe(403);
    expect(authCodeOf(stale)).toBe("REAUTHENTICATION_REQUIRED");
    const wrong = await call(server.url, "mutation", "auth.reauthenticate", {
      token: user.accessToken,
      input: { password: "not the password" },
    });
    expect(authCodeOf(wrong)).toBe("WRONG_PASSWORD");
    const renewed = await call<{ accessToken: string }>(
      server.url,
      "mutation",
      "auth.reauthenticate",
      {
        token: user.accessToken,
        input: { password: user.password },
      },
    );
    expect(renewed.status).toBe(200);
    const fresh = await call(server.url, "mutation", "mfa.totp.begin", {
      token: renewed.data.accessToken,
    });
    expect(fresh.status).toBe(200);
  });

  it("MFA_REQUIRED_FOR=admin: admin procedures need mfa in amr; a code re-authentication gives it", async () => {
    const admin = await signedInAdmin(server);
    const refused = await call(server.url, "query", "admin.users", { token: admin.accessToken });
    expect(refused.status).toBe(403);
    expect(authCodeOf(refused)).toBe("MFA_REQUIRED");
    const app = await enrol(admin);
    const stepped = await reauthenticateWithCode(server, admin.accessToken, app.code());
    expect(stepped.status).toBe(200);
    const allowed = await call(server.url, "query", "admin.users", {
      token: stepped.data.accessToken,
    });
    expect(allowed.status).toBe(200);
    // The factor cannot be removed while the policy asks for one.
    const removal = await call(server.url, "mutation", "mfa.remove", {
      token: stepped.data.accessToken,
      input: { factorId: app.factorId },
    });
    expect(authCodeOf(removal)).toBe("FACTOR_REQUIRED");
  });
});

describe.each(await databaseKinds())("MFA_REQUIRED_FOR=all over HTTP (%s)", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      database,
      store: "database",
      env: { MFA_REQUIRED_FOR: "all" },
    });
  });
  afterAll(() => server.close());

  const as = (token: string, type: "query" | "mutation", path: string) =>
    call(server.url, type, path, { token });

  it("a token without mfa reaches only what sets a factor up; a code re-authentication opens the rest", async () => {
    const user = await registerAndLogin(server.url);
    const refused = await as(user.accessToken, "query", "session.list");
    expect(refused.status).toBe(403);
    expect(authCodeOf(refused)).toBe("MFA_REQUIRED");
    expect((await as(user.accessToken, "mutation", "passkey.rename")).status).toBe(403);
    // Who am I, the factors, a live ticket: what the app needs to lead the user to set one up.
    expect((await as(user.accessToken, "query", "user.me")).status).toBe(200);
    expect((await as(user.accessToken, "query", "mfa.factors")).status).toBe(200);
    expect((await as(user.accessToken, "mutation", "auth.ticket")).status).toBe(200);
    const app = await enrolTotp(server, user);
    // Setting a factor up proves nothing about this session: its token still says `pwd`.
    expect(authCodeOf(await as(user.accessToken, "query", "session.list"))).toBe("MFA_REQUIRED");
    const stepped = await reauthenticateWithCode(server, user.accessToken, app.code());
    expect(stepped.status).toBe(200);
    expect((await as(stepped.data.accessToken, "query", "session.list")).status).toBe(200);
    // Signing out everywhere stays open to the token without mfa.
    expect((await as(user.accessToken, "mutation", "auth.logoutAll")).status).toBe(200);
  });

  it("a user who is not an admin is told FORBIDDEN by admin procedures, not MFA_REQUIRED", async () => {
    const user = await registerAndLogin(server.url);
    const refused = await as(user.accessToken, "query", "admin.users");
    expect(refused.status).toBe(403);
    expect(authCodeOf(refused)).not.toBe("MFA_REQUIRED");
  });
});

/** RFC 4648 base32 without padding, as authenticator apps read the key. */
function base32(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.toUpperCase())
    bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const bytes = bits.match(/.{8}/g) ?? [];
  return Uint8Array.from(bytes.map((byte) => parseInt(byte, 2)));
}
