import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { postgresAvailable } from "@authkit/db/testing";

import { isAuthError } from "../src/errors";
import { signedIn, startCore, type CoreUnderTest } from "./setup";

/**
 * The last enabled admin stays, even when two admins take each other's rights at the same
 * moment: each must see the other's change, not the count from before it.
 *
 * This proves the race on PostgreSQL only. PGlite has one connection: it runs the two
 * transactions one after the other, so there is no race to lose there. `postgresAvailable()`
 * throws under CI=true when PostgreSQL is unreachable, so in CI this suite fails rather than
 * skips; outside CI, without PostgreSQL, it is skipped with the warning that function prints.
 */
describe.skipIf(!(await postgresAvailable()))("the last enabled admin on PostgreSQL", () => {
  let core: CoreUnderTest;
  beforeAll(async () => {
    core = await startCore({ kind: "postgresql" });
  });
  afterAll(() => core.close());

  async function twoAdmins() {
    const [a, b] = await Promise.all([signedIn(core), signedIn(core)]);
    // Every earlier admin of this database is disabled: these two are the only enabled ones.
    await core.db.prisma.user.updateMany({
      where: { role: "admin", disabledAt: null },
      data: { disabledAt: new Date() },
    });
    for (const { identity } of [a, b])
      await core.auth.admin.setRole(identity.user, identity.user.id, "admin");
    return [a.identity, b.identity] as const;
  }

  const enabledAdmins = () =>
    core.db.prisma.user.count({ where: { role: "admin", disabledAt: null } });

  it.each([
    [
      "disable",
      (actor: Awaited<ReturnType<typeof twoAdmins>>[number], userId: string) =>
        core.auth.admin.disableUser(actor.user, userId),
    ],
    [
      "demote",
      (actor: Awaited<ReturnType<typeof twoAdmins>>[number], userId: string) =>
        core.auth.admin.setRole(actor.user, userId, "user"),
    ],
  ] as const)("refuses one of two admins who %s each other at once", async (_, takeAway) => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await twoAdmins();
      const results = await Promise.allSettled([takeAway(a, b.user.id), takeAway(b, a.user.id)]);
      const refused = results.filter(
        (r) => r.status === "rejected" && isAuthError(r.reason, "LAST_ADMIN"),
      );
      expect(refused).toHaveLength(1);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await enabledAdmins()).toBe(1);
    }
  });
});
