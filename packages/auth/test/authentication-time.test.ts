import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import { isAuthError } from "../src/errors";
import { signedIn, startCore, type CoreUnderTest } from "./setup";

/** What a token says about how its session was signed in to: OIDC `auth_time` and RFC 8176 `amr`. */
describe.each(await databaseKinds())("auth_time and amr (%s)", (kind) => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({ kind, env: { REAUTH_MAX_AGE: "10m", REFRESH_REUSE_GRACE: "0s" } });
  });
  afterAll(() => core.close());

  it("says when and how the password was proven, and a refresh carries both forward", async () => {
    const signInAt = Math.floor(core.clock.now() / 1000);
    const { pair } = await signedIn(core);
    expect(decodeJwt(pair.accessToken)).toMatchObject({ auth_time: signInAt, amr: ["pwd"] });

    core.clock.advance(20 * 60);
    const refreshed = await core.auth.sessions.refresh(pair.refreshToken);
    const claims = decodeJwt(refreshed.accessToken);
    expect(claims.iat).toBe(signInAt + 20 * 60);
    expect(claims).toMatchObject({ auth_time: signInAt, amr: ["pwd"] });
  });

  it("counts a sign-in as fresh for REAUTH_MAX_AGE, refreshed or not", async () => {
    const { pair, identity } = await signedIn(core);
    expect(() => core.auth.assertFresh(identity)).not.toThrow();

    core.clock.advance(10 * 60 + 1);
    const refreshed = await core.auth.sessions.refresh(pair.refreshToken);
    const later = await core.auth.authenticate(refreshed.accessToken);
    let refusal: unknown;
    try {
      core.auth.assertFresh(later);
    } catch (error) {
      refusal = error;
    }
    expect(isAuthError(refusal, "REAUTHENTICATION_REQUIRED")).toBe(true);
    // A caller may ask for a longer window than the default.
    expect(() => core.auth.assertFresh(later, 3600)).not.toThrow();
  });
});
