import type { Database } from "@authkit/db";

import { createBatcher } from "./batch";
import type { RevocationClaims, RevocationStore } from "./store";

type Row = { ver: number | null; denied: boolean; live: boolean };

/** Dead when the user is unknown or disabled, the version moved, the jti is denied or the session is not live. */
const revoked = (claims: RevocationClaims, row: Row | undefined) =>
  !row || row.ver !== claims.ver || row.denied || !row.live;

/**
 * The embedded default, and the authority behind Redis: the database answers revocation with a
 * single query. Concurrent checks share that query (see ./batch): one row per check, in order.
 */
export class DatabaseRevocationStore implements RevocationStore {
  readonly name = "database";
  constructor(private readonly db: Pick<Database, "prisma">) {}

  isRevoked(claims: RevocationClaims): Promise<boolean> {
    return this.check(claims);
  }

  private readonly check = createBatcher<RevocationClaims, boolean>(async (batch) => {
    if (batch.length === 1) {
      const claims = batch[0]!;
      const { jti, sid, sub } = claims;
      const [row] = await this.db.prisma.$queryRaw<Row[]>`
        SELECT
          (SELECT token_version FROM users WHERE id = ${sub}::uuid AND disabled_at IS NULL) AS ver,
          EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = ${jti}::uuid) AS denied,
          EXISTS (SELECT 1 FROM sessions WHERE id = ${sid}::uuid AND user_id = ${sub}::uuid
                  AND revoked_at IS NULL) AS live`;
      return [revoked(claims, row)];
    }
    const rows = await this.db.prisma.$queryRaw<(Row & { i: number })[]>`
      SELECT c.i::int AS i,
        (SELECT token_version FROM users WHERE id = c.sub AND disabled_at IS NULL) AS ver,
        EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = c.jti) AS denied,
        EXISTS (SELECT 1 FROM sessions WHERE id = c.sid AND user_id = c.sub
                AND revoked_at IS NULL) AS live
      FROM unnest(${batch.map((c) => c.sub)}::uuid[], ${batch.map((c) => c.jti)}::uuid[], ${batch.map((c) => c.sid)}::uuid[])
        WITH ORDINALITY AS c(sub, jti, sid, i)`;
    const byIndex = new Map(rows.map((row) => [Number(row.i), row]));
    return batch.map((claims, index) => revoked(claims, byIndex.get(index + 1)));
  });

  /** The database is what everything else mirrors. */
  async mirror(): Promise<void> {}
}
