/**
 * `user.me` outside the embedded default reads the profile of an unverified user on every
 * request; the reads of one turn share one statement (src/accounts/profile.ts), each caller
 * still getting its own user's row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { isAuthError } from "../src/errors";
import { startCore, signedIn, uniqueEmail, type CoreUnderTest } from "./setup";

describe("profiles read together", () => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore();
  });
  afterAll(() => core.close());

  it("answers each of many concurrent reads with its own user, in one statement", async () => {
    const users = await Promise.all(
      Array.from({ length: 6 }, (_, i) => signedIn(core, uniqueEmail(`profile-${i}`))),
    );
    const verified = users[2]!;
    await core.db.prisma.user.update({
      where: { id: verified.identity.user.id },
      data: { emailVerifiedAt: new Date() },
    });
    const before = core.db.statements.statements;
    const profiles = await Promise.all(
      users.map(({ identity }) => core.auth.accounts.profile(identity)),
    );
    expect(core.db.statements.statements - before).toBe(1);
    for (const [i, { email, identity }] of users.entries())
      expect(profiles[i]).toEqual({
        id: identity.user.id,
        email,
        name: null,
        role: "user",
        emailVerified: i === 2,
      });
  });

  it("refuses a user the database no longer has, and still answers the others", async () => {
    const [kept, gone] = await Promise.all([signedIn(core), signedIn(core)]);
    await core.db.prisma.session.deleteMany({ where: { userId: gone.identity.user.id } });
    await core.db.prisma.user.delete({ where: { id: gone.identity.user.id } });
    const [keptProfile, goneProfile] = await Promise.allSettled([
      core.auth.accounts.profile(kept.identity),
      core.auth.accounts.profile(gone.identity),
    ]);
    expect(keptProfile).toMatchObject({ status: "fulfilled", value: { email: kept.email } });
    expect(goneProfile.status).toBe("rejected");
    expect(isAuthError((goneProfile as PromiseRejectedResult).reason, "UNAUTHENTICATED")).toBe(
      true,
    );
  });
});
