import type { Database } from "@authkit/db";

import { createBatcher } from "../batch";
import type { RevocationClaims, RevocationStore, RevocationVerdict } from "./store";

type Row = { ver: number | null; role: string | null; denied: boolean; live: boolean };

/**
 * Dead when the user is unknown or disabled, the version moved, the jti is denied or the session
 * is not live; refused as `role` when all of that holds but the user's role is not the token's.
 */
function verdict(claims: RevocationClaims, row: Row | undefined): RevocationVerdict {
  if (!row || row.ver !== claims.ver || row.denied || !row.live) return "revoked";
  return row.role === claims.role ? "live" : "role";
}

/**
 * The embedded default, and the authority behind Redis: the database answers revocation with a
 * single query. Concurrent checks share that query (see ./batch): one row per check, in order.
 */
export class DatabaseRevocationStore implements RevocationStore {
  readonly name = "database";
  constructor(private readonly db: Pick<Database, "prisma">) {}

  isRevoked(claims: RevocationClaims): Promise<RevocationVerdict> {
    return this.check(claims);
  }

  /** The user's row is read once per check (version, disabled and role from one lookup). */
  private readonly check = createBatcher<RevocationClaims, RevocationVerdict>(async (batch) => {
    if (batch.length === 1) {
      const claims = batch[0]!;
      const { jti, sid, sub } = claims;
      const [row] = await this.db.prisma.$queryRaw<Row[]>`
        SELECT u.token_version AS ver, u.role::text AS role,
          EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = ${jti}::uuid) AS denied,
          EXISTS (SELECT 1 FROM sessions WHERE id = ${sid}::uuid AND user_id = ${sub}::uuid
                  AND revoked_at IS NULL) AS live
        FROM (SELECT 1) AS one
          LEFT JOIN users u ON u.id = ${sub}::uuid AND u.disabled_at IS NULL`;
      return [verdict(claims, row)];
    }
    const rows = await this.db.prisma.$queryRaw<(Row & { i: number })[]>`
      SELECT c.i::int AS i, u.token_version AS ver, u.role::text AS role,
        EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = c.jti) AS denied,
        EXISTS (SELECT 1 FROM sessions WHERE id = c.sid AND user_id = c.sub
                AND revoked_at IS NULL) AS live
      FROM unnest(${batch.map((c) => c.sub)}::uuid[], ${batch.map((c) => c.jti)}::uuid[], ${batch.map((c) => c.sid)}::uuid[])
        WITH ORDINALITY AS c(sub, jti, sid, i)
        LEFT JOIN users u ON u.id = c.sub AND u.disabled_at IS NULL`;
    const byIndex = new Map(rows.map((row) => [Number(row.i), row]));
    return batch.map((claims, index) => verdict(claims, byIndex.get(index + 1)));
  });

  /** The database is what everything else mirrors. */
  async mirror(): Promise<void> {}

  async ping(): Promise<void> {
    await this.db.prisma.$queryRaw`SELECT 1`;
  }
}
