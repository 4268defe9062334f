import type { Database } from "@acme/db";

import type { RevocationStore } from "./store";

/** The embedded default: the database answers revocation with a single query. */
export class DatabaseRevocationStore implements RevocationStore {
  readonly name = "database";
  constructor(private readonly db: Pick<Database, "prisma">) {}

  async isRevoked({ jti, sid, sub, ver }: { jti: string; sid: string; sub: string; ver: number }) {
    const [row] = await this.db.prisma.$queryRaw<{ ver: number | null; denied: boolean; live: boolean }[]>`
      SELECT
        (SELECT token_version FROM users WHERE id = ${sub}::uuid) AS ver,
        EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = ${jti}::uuid) AS denied,
        EXISTS (SELECT 1 FROM sessions WHERE id = ${sid}::uuid AND revoked_at IS NULL) AS live`;
    return !row || row.ver !== ver || row.denied || !row.live;
  }

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
