/**
 * Passkeys over HTTP (docs/passkeys.md): every `passkey.*` procedure against a real server, with
 * a software authenticator making real attestations and assertions (real P-256 keys, checked by
 * the server's real verifier: nothing is mocked). Registration, the passwordless sign-in (what
 * `auth.login` answers), the second step of a password sign-in, re-authentication, removal, and
 * the refusals: a replayed assertion, another origin.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@authkit/auth";
import { SoftwareAuthenticator } from "@authkit/auth/testing";
import { databaseKinds } from "@authkit/db/testing";

import {
  call,
  cookieFrom,
  login,
  registerAndLogin,
  startTestServer,
  type CallResult,
  type SignedIn,
  type TestServer,
} from "./harness";

/** The harness's APP_URL: the RP ID is its host, and the only origin a ceremony may come from. */
const ORIGIN = "http://app.test";

const authCodeOf = (result: CallResult) =>
  (result.body.error?.data as { authCode?: string | null } | undefined)?.authCode;

/** The claims of a JWT (the server signed it; here only its payload is read). */
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as {
    sub: string;
    amr: string[];
    auth_time: number;
  };

/** The names of the cookies a response set (an account's device cookie is `device_<its id>`). */
const cookieNames = (result: CallResult) =>
  result.headers
    .getSetCookie()
    .map((cookie) => cookie.split("=")[0]!.replace(/^device_.+$/, "device_<account>"))
    .sort();

interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  synced: boolean;
  backedUp: boolean;
  transports: string[];
}

interface Session {
  mfaRequired: false;
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  user: { id: string; email: string; name: string | null; role: string };
}

describe.each(await databaseKinds())("passkeys over HTTP (%s)", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      database,
      store: "database",
      env: { REAUTH_MAX_AGE: "5m" },
    });
  });
  afterAll(() => server.close());

  const mutate = <T>(path: string, options: Parameters<typeof call>[3] = {}) =>
    call<T>(server.url, "mutation", path, options);

  /** A signed-in user who adds a passkey of `authenticator` through the API. */
  async function withPasskey(authenticator = new SoftwareAuthenticator({ origin: ORIGIN })) {
    const user = await registerAndLogin(server.url);
    const options = await mutate<PublicKeyCredentialCreationOptionsJSON>(
      "passkey.registrationOptions",
      { token: user.accessToken },
    );
    expect(options.status).toBe(200);
    const registered = await mutate<{ passkey: PasskeyView; recoveryCodes: string[] | null }>(
      "passkey.register",
      {
        token: user.accessToken,
        input: { response: authenticator.register(options.data), name: "Laptop" },
      },
    );
    expect(registered.status, registered.text).toBe(200);
    return { user, authenticator, ...registered.data, options: options.data };
  }

  /** Passwordless sign-in options, as the sign-in page asks for them. */
  const signInOptions = async (input: { challenge?: string } = {}) => {
    const options = await mutate<PublicKeyCredentialRequestOptionsJSON>(
      "passkey.authenticationOptions",
      { input },
    );
    expect(options.status, options.text).toBe(200);
    return options.data;
  };

  it("registers a passkey: listed, in mfa.factors as a passkey, renamed; other sessions end", async () => {
    const user = await registerAndLogin(server.url);
    const other = await login(server.url, user.email, user.password);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const options = await mutate<PublicKeyCredentialCreationOptionsJSON>(
      "passkey.registrationOptions",
      { token: user.accessToken },
    );
    expect(options.data).toMatchObject({
      rp: { id: "app.test" },
      attestation: "none",
      authenticatorSelection: { residentKey: "required" },
    });
    const registered = await mutate<{ passkey: PasskeyView; recoveryCodes: string[] | null }>(
      "passkey.register",
      {
        token: user.accessToken,
        input: { response: authenticator.register(options.data), name: "Laptop" },
      },
    );
    expect(registered.status, registered.text).toBe(200);
    const { passkey, recoveryCodes } = registered.data;
    // The account's first factor: its recovery codes, once.
    expect(recoveryCodes).toHaveLength(10);
    expect(passkey).toMatchObject({ name: "Laptop", synced: false, transports: ["internal"] });

    const listed = await call<PasskeyView[]>(server.url, "query", "passkey.list", {
      token: user.accessToken,
    });
    expect(listed.data).toEqual([passkey]);
    const factors = await call<{ id: string; type: string; name: string | null }[]>(
      server.url,
      "query",
      "mfa.factors",
      { token: user.accessToken },
    );
    expect(factors.data).toEqual([
      expect.objectContaining({ id: passkey.id, type: "passkey", name: "Laptop" }),
    ]);

    const renamed = await mutate<PasskeyView>("passkey.rename", {
      token: user.accessToken,
      input: { id: passkey.id, name: "Work laptop" },
    });
    expect(renamed.data).toMatchObject({ id: passkey.id, name: "Work laptop" });

    // Adding a factor ended the other session; this one stays.
    expect((await call(server.url, "query", "user.me", { token: other.accessToken })).status).toBe(
      401,
    );
    expect((await mutate("auth.refresh", { cookie: other.cookie })).status).toBe(401);
    expect((await call(server.url, "query", "user.me", { token: user.accessToken })).status).toBe(
      200,
    );
  });

  it("signs in without a password: exactly what auth.login answers, amr with user and mfa", async () => {
    const { user, authenticator } = await withPasskey();
    const response = authenticator.authenticate(await signInOptions());
    const signedIn = await mutate<Session>("passkey.authenticate", { input: { response } });
    expect(signedIn.status, signedIn.text).toBe(200);

    // What a login answers, for an account without a factor (one with a password alone).
    const plain = await registerAndLogin(server.url);
    const loggedIn = await mutate<Session>("auth.login", {
      input: { email: plain.email, password: plain.password },
    });
    expect(Object.keys(signedIn.data).sort()).toEqual(Object.keys(loggedIn.data).sort());
    expect(cookieNames(signedIn)).toEqual(cookieNames(loggedIn));
    expect(cookieNames(signedIn)).toEqual(["device_<account>", "refresh_token"]);
    expect(signedIn.headers.get("cache-control")).toBe(loggedIn.headers.get("cache-control"));
    expect(signedIn.data).toMatchObject({
      mfaRequired: false,
      tokenType: "Bearer",
      expiresIn: loggedIn.data.expiresIn,
      user: { id: user.userId, email: user.email },
    });

    const claims = claimsOf(signedIn.data.accessToken);
    expect(claims.sub).toBe(user.userId);
    expect(claims.amr).toEqual(["hwk", "user", "mfa"]);
    const me = await call<{ id: string }>(server.url, "query", "user.me", {
      token: signedIn.data.accessToken,
    });
    expect(me.data.id).toBe(user.userId);
    // The refresh cookie is a working session.
    const refreshed = await mutate<Session>("auth.refresh", { cookie: cookieFrom(signedIn) });
    expect(refreshed.status).toBe(200);
    expect(refreshed.data.user.id).toBe(user.userId);

    // The passkey was used: the list says when.
    const listed = await call<PasskeyView[]>(server.url, "query", "passkey.list", {
      token: signedIn.data.accessToken,
    });
    expect(listed.data[0]!.lastUsedAt).toEqual(expect.any(String));
  });

  it("completes a password sign-in's second step with the passkey", async () => {
    const { user, authenticator, passkey } = await withPasskey();
    const first = await mutate<{ mfaRequired: true; challenge: string; methods: string[] }>(
      "auth.login",
      { input: { email: user.email, password: user.password } },
    );
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({ mfaRequired: true, challenge: expect.any(String) });
    expect(first.data.methods).toContain("passkey");
    expect(first.data).not.toHaveProperty("accessToken");
    expect(cookieFrom(first)).toBeNull();

    const options = await signInOptions({ challenge: first.data.challenge });
    // Second-step options name the account's credentials.
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([
      authenticator.credentials[0]!.id.toString("base64url"),
    ]);
    const response = authenticator.authenticate(options);
    const done = await mutate<Session>("passkey.authenticate", {
      input: { response, challenge: first.data.challenge },
    });
    expect(done.status, done.text).toBe(200);
    expect(done.data.user.id).toBe(user.userId);
    expect(cookieFrom(done)).not.toBeNull();
    expect(claimsOf(done.data.accessToken).amr).toEqual(["pwd", "hwk", "user", "mfa"]);
    const listed = await call<PasskeyView[]>(server.url, "query", "passkey.list", {
      token: done.data.accessToken,
    });
    expect(listed.data).toEqual([
      expect.objectContaining({ id: passkey.id, lastUsedAt: expect.any(String) }),
    ]);
  });

  it("refuses a replayed assertion with PASSKEY_REJECTED (401)", async () => {
    const { authenticator } = await withPasskey();
    const response = authenticator.authenticate(await signInOptions());
    const first = await mutate("passkey.authenticate", { input: { response } });
    expect(first.status).toBe(200);
    const replay = await mutate("passkey.authenticate", { input: { response } });
    expect(replay.status).toBe(401);
    expect(authCodeOf(replay)).toBe("PASSKEY_REJECTED");
    expect(cookieFrom(replay)).toBeNull();
  });

  it("refuses an assertion made for another origin, and a registration from one", async () => {
    const { user, authenticator } = await withPasskey();
    const elsewhere = authenticator.authenticate(await signInOptions(), {
      origin: "https://evil.test",
    });
    const refused = await mutate("passkey.authenticate", { input: { response: elsewhere } });
    expect(refused.status).toBe(401);
    expect(authCodeOf(refused)).toBe("PASSKEY_REJECTED");
    expect(cookieFrom(refused)).toBeNull();

    const options = await mutate<PublicKeyCredentialCreationOptionsJSON>(
      "passkey.registrationOptions",
      { token: user.accessToken },
    );
    const foreign = new SoftwareAuthenticator({ origin: "https://evil.test" }).register(
      options.data,
    );
    const notAdded = await mutate("passkey.register", {
      token: user.accessToken,
      input: { response: foreign },
    });
    expect(notAdded.status).toBe(401);
    expect(authCodeOf(notAdded)).toBe("PASSKEY_REJECTED");
    const listed = await call<PasskeyView[]>(server.url, "query", "passkey.list", {
      token: user.accessToken,
    });
    expect(listed.data).toHaveLength(1);
  });

  it("refuses a sign-in asked for from another site's page (the browser's Origin header)", async () => {
    const { authenticator } = await withPasskey();
    const crossSite = { origin: "https://evil.test", "sec-fetch-site": "cross-site" };
    const options = await mutate("passkey.authenticationOptions", {
      input: {},
      headers: crossSite,
    });
    expect(options.status).toBe(403);
    expect(authCodeOf(options)).toBe("CROSS_SITE_REQUEST");
    const response = authenticator.authenticate(await signInOptions());
    const refused = await mutate("passkey.authenticate", {
      input: { response },
      headers: crossSite,
    });
    expect(refused.status).toBe(403);
    expect(authCodeOf(refused)).toBe("CROSS_SITE_REQUEST");
    expect(cookieFrom(refused)).toBeNull();
  });

  it("re-authenticates a stale session with the passkey, then removes it: other sessions end", async () => {
    const { user, authenticator, passkey } = await withPasskey();
    const other = await mutate<Session>("passkey.authenticate", {
      input: { response: authenticator.authenticate(await signInOptions()) },
    });
    expect(other.status).toBe(200);
    server.clock.advance(10 * 60);
    const stale = await mutate("passkey.remove", {
      token: user.accessToken,
      input: { id: passkey.id },
    });
    expect(stale.status).toBe(403);
    expect(authCodeOf(stale)).toBe("REAUTHENTICATION_REQUIRED");

    const fresh = await reauthenticate(user, authenticator);
    const removed = await mutate<{ ok: true }>("passkey.remove", {
      token: fresh,
      input: { id: passkey.id },
    });
    expect(removed.status, removed.text).toBe(200);
    expect(
      (await call(server.url, "query", "user.me", { token: other.data.accessToken })).status,
    ).toBe(401);
    expect((await call(server.url, "query", "user.me", { token: fresh })).status).toBe(200);
    const listed = await call<PasskeyView[]>(server.url, "query", "passkey.list", {
      token: fresh,
    });
    expect(listed.data).toEqual([]);
    // The removed passkey signs no one in.
    const gone = await mutate("passkey.authenticate", {
      input: { response: authenticator.authenticate(await signInOptions()) },
    });
    expect(gone.status).toBe(401);
    expect(authCodeOf(gone)).toBe("PASSKEY_REJECTED");
  });

  /** `passkey.reauthenticationOptions` then `auth.reauthenticate({ passkey })`: a fresh token. */
  async function reauthenticate(user: SignedIn, authenticator: SoftwareAuthenticator) {
    const options = await mutate<PublicKeyCredentialRequestOptionsJSON>(
      "passkey.reauthenticationOptions",
      { token: user.accessToken },
    );
    expect(options.status, options.text).toBe(200);
    const renewed = await mutate<{ accessToken: string }>("auth.reauthenticate", {
      token: user.accessToken,
      input: { passkey: authenticator.authenticate(options.data) },
    });
    expect(renewed.status, renewed.text).toBe(200);
    const claims = claimsOf(renewed.data.accessToken);
    expect(claims.auth_time).toBe(Math.floor(server.clock.now() / 1000));
    expect(claims.amr).toEqual(expect.arrayContaining(["hwk", "user"]));
    return renewed.data.accessToken;
  }
});
