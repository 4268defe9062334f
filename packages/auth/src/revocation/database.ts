import type { Database } from "@authkit/db";

import { createBatcher } from "./batch";
import type { RevocationStore } from "./store";

type Claims = { jti: string; sid: string; sub: string; ver: number };
type Row = { ver: number | null; denied: boolean; live: boolean };

const revoked = (claims: Claims, row: Row | undefined) =>
  !row || row.ver !== claims.ver || row.denied || !row.live;

/**
 * The embedded default: the database answers revocation with a single query. Concurrent checks
 * share that query (see ./batch): one row per check, in order.
 */
export class DatabaseRevocationStore implements RevocationStore {
  readonly name = "database";
  constructor(private readonly db: Pick<Database, "prisma">) {}

  isRevoked(claims: Claims): Promise<boolean> {
    return this.check(claims);
  }

  private readonly check = createBatcher<Claims, boolean>(async (batch) => {
    if (batch.length === 1) {
      const claims = batch[0] as Claims;
      const { jti, sid, sub } = claims;
      const [row] = await this.db.prisma.$queryRaw<Row[]>`
        SELECT
          (SELECT token_version FROM users WHERE id = ${sub}::uuid) AS ver,
          EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = ${jti}::uuid) AS denied,
          EXISTS (SELECT 1 FROM sessions WHERE id = ${sid}::uuid AND revoked_at IS NULL) AS live`;
      return [revoked(claims, row)];
    }
    const rows = await this.db.prisma.$queryRaw<(Row & { i: number })[]>`
      SELECT c.i::int AS i,
        (SELECT token_version FROM users WHERE id = c.sub) AS ver,
        EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = c.jti) AS denied,
        EXISTS (SELECT 1 FROM sessions WHERE id = c.sid AND revoked_at IS NULL) AS live
      FROM unnest(${batch.map((c) => c.sub)}::uuid[], ${batch.map((c) => c.jti)}::uuid[], ${batch.map((c) => c.sid)}::uuid[])
        WITH ORDINALITY AS c(sub, jti, sid, i)`;
    const byIndex = new Map(rows.map((row) => [Number(row.i), row]));
    return batch.map((claims, index) => revoked(claims, byIndex.get(index + 1)));
  });

  async revokeAccessToken(jti: string, expiresAt: Date) {
    await this.db.prisma.revokedAccessToken.upsert({
      where: { jti },
      create: { jti, expiresAt },
      update: {},
    });
  }

  // Sessions and versions already live in the database this store reads.
  async sessionsRevoked() {}
  async userVersionRaised() {}
}
