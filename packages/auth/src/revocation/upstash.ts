import type { Redis } from "@upstash/redis";

import { createBatcher } from "./batch";
import type { RevocationStore } from "./store";

/**
 * Revocation in Redis over Upstash's REST protocol, shared by every instance. Every key expires
 * once no access token it could concern is still valid (access TTL plus clock leeway), so the
 * denylist stays bounded by the traffic of one token lifetime.
 */
export class UpstashRevocationStore implements RevocationStore {
  readonly name = "upstash";
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    {
      accessTokenTtlSeconds,
      clockToleranceSeconds,
      prefix = "auth",
    }: {
      accessTokenTtlSeconds: number;
      clockToleranceSeconds: number;
      prefix?: string;
    },
  ) {
    this.ttlSeconds = accessTokenTtlSeconds + clockToleranceSeconds + 1;
    this.key = {
      jti: (jti) => `${prefix}:rv:jti:${jti}`,
      sid: (sid) => `${prefix}:rv:sid:${sid}`,
      ver: (sub) => `${prefix}:rv:ver:${sub}`,
    };
  }

  private readonly key: Record<"jti" | "sid" | "ver", (id: string) => string>;

  isRevoked(claims: { jti: string; sid: string; sub: string; ver: number }): Promise<boolean> {
    return this.check(claims);
  }

  /** Concurrent checks share one MGET (three keys each, in order): one HTTP round trip. */
  private readonly check = createBatcher<
    { jti: string; sid: string; sub: string; ver: number },
    boolean
  >(async (batch) => {
    const values = await this.redis.mget<(string | number | null)[]>(
      ...batch.flatMap(({ jti, sid, sub }) => [
        this.key.jti(jti),
        this.key.sid(sid),
        this.key.ver(sub),
      ]),
    );
    return batch.map(({ ver }, i) => {
      const [denied, sessionRevoked, minVersion] = values.slice(i * 3, i * 3 + 3);
      return (
        denied != null || sessionRevoked != null || (minVersion != null && Number(minVersion) > ver)
      );
    });
  });

  async revokeAccessToken(jti: string) {
    // No token outlives one TTL plus leeway, so that TTL bounds the entry whatever its `exp`.
    await this.redis.set(this.key.jti(jti), 1, { ex: this.ttlSeconds });
  }

  async sessionsRevoked(sessionIds: string[]) {
    if (sessionIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const sid of sessionIds) pipeline.set(this.key.sid(sid), 1, { ex: this.ttlSeconds });
    await pipeline.exec();
  }

  async userVersionRaised(userId: string, version: number) {
    // Only ever raise: two concurrent bumps arriving out of order must not lower the floor.
    await this.redis.eval(
      `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
       if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
       return 1`,
      [this.key.ver(userId)],
      [String(version), String(this.ttlSeconds)],
    );
  }
}
