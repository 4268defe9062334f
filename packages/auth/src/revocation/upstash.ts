import { randomUUID } from "node:crypto";

import type { Redis } from "@upstash/redis";

import type { Clock } from "../clock";
import { createBatcher } from "./batch";
import type { RevocationClaims, Revocations, RevocationStore } from "./store";

export interface UpstashRevocationStoreOptions {
  clock: Clock;
  /** Longest life of any token this server accepts (ACCESS_TOKEN_TTL), plus the clock leeway. */
  accessTokenTtlSeconds: number;
  clockToleranceSeconds: number;
  /** The database: answers while Redis is incomplete, and is what Redis is rebuilt from. */
  authority: RevocationStore;
  /** Every revocation the database holds whose tokens may still be live. */
  loadRevocations(): Promise<Revocations>;
  /** Told when Redis was found to have lost its data, and when it is whole again. */
  onStateChange?(state: "rebuilding" | "rebuilt" | "invalidated"): void;
  prefix?: string;
}

/** A token minted in a race with its session's revocation may carry a slightly later `exp`. */
const MARGIN_SECONDS = 60;

/**
 * Revocation in Redis over Upstash's REST protocol: the fast path every instance shares, never
 * the source of truth. Redis can lose its data (a restart without persistence, FLUSHDB,
 * eviction), so every check also reads an epoch key written without TTL once Redis holds every
 * revocation of the database. No epoch means Redis is incomplete: checks go to the database
 * until Redis is rebuilt from it. A write that fails after the database committed deletes the
 * epoch (retrying until Redis answers), which sends every instance to the database and makes
 * the next rebuild copy that revocation too.
 */
export class UpstashRevocationStore implements RevocationStore {
  readonly name = "upstash";
  private readonly ttlSeconds: number;
  private readonly key: Record<"jti" | "sid" | "ver", (id: string) => string>;
  private readonly epochKey: string;
  private readonly rebuildingKey: string;
  private rebuilding: Promise<void> | undefined;
  /** A write failed: Redis may lack a revocation the database has, until the epoch is gone. */
  private suspect = false;
  private invalidation: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: UpstashRevocationStoreOptions,
  ) {
    const prefix = options.prefix ?? "auth";
    this.ttlSeconds =
      options.accessTokenTtlSeconds + options.clockToleranceSeconds + MARGIN_SECONDS;
    this.key = {
      jti: (jti) => `${prefix}:rv:jti:${jti}`,
      sid: (sid) => `${prefix}:rv:sid:${sid}`,
      ver: (sub) => `${prefix}:rv:ver:${sub}`,
    };
    this.epochKey = `${prefix}:rv:epoch`;
    this.rebuildingKey = `${prefix}:rv:rebuilding`;
  }

  isRevoked(claims: RevocationClaims): Promise<boolean> {
    return this.check(claims);
  }

  /** Concurrent checks share one MGET (the epoch, then three keys each): one HTTP round trip. */
  private readonly check = createBatcher<RevocationClaims, boolean>(async (batch) => {
    const [epoch, ...values] = await this.redis.mget<(string | number | null)[]>(
      this.epochKey,
      ...batch.flatMap(({ jti, sid, sub }) => [
        this.key.jti(jti),
        this.key.sid(sid),
        this.key.ver(sub),
      ]),
    );
    if (epoch == null || this.suspect) {
      // Redis answers again: this instance stops trusting it at once, the others once the
      // epoch is deleted, and whoever checks next rebuilds it.
      if (this.suspect) void this.deleteEpoch().catch(() => undefined);
      else void this.rebuild().catch(() => undefined);
      return Promise.all(batch.map((claims) => this.options.authority.isRevoked(claims)));
    }
    return batch.map(({ ver }, i) => {
      const [denied, sessionRevoked, minVersion] = values.slice(i * 3, i * 3 + 3);
      return (
        denied != null || sessionRevoked != null || (minVersion != null && Number(minVersion) > ver)
      );
    });
  });

  async mirror({ sessions = [], versions = [], tokens = [] }: Partial<Revocations>): Promise<void> {
    const now = Math.floor(this.options.clock.now() / 1000);
    const tolerance = this.options.clockToleranceSeconds;
    try {
      // Issued together, the client pipelines them into one request.
      await Promise.all([
        ...sessions.map((sid) => this.redis.set(this.key.sid(sid), 1, { ex: this.ttlSeconds })),
        // Each denied token's entry lives as long as the token itself could, whatever TTL minted it.
        ...tokens.map(({ jti, exp }) =>
          this.redis.set(this.key.jti(jti), 1, { ex: Math.max(1, exp - now + tolerance + 1) }),
        ),
        ...versions.map(({ userId, version }) =>
          // Only ever raise: two bumps arriving out of order must not lower the floor.
          this.redis.eval(
            `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
             if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
             return 1`,
            [this.key.ver(userId)],
            [String(version), String(this.ttlSeconds)],
          ),
        ),
      ]);
    } catch (error) {
      this.invalidateEpoch();
      throw error;
    }
  }

  /** Copies every live revocation from the database, then marks Redis whole with a new epoch. */
  rebuild(): Promise<void> {
    this.rebuilding ??= (async () => {
      this.options.onStateChange?.("rebuilding");
      const marker = randomUUID();
      // A flush during the copy deletes this marker, and the epoch is then not written.
      await this.redis.set(this.rebuildingKey, marker, { ex: 120 });
      await this.mirror(await this.options.loadRevocations());
      const done = await this.redis.eval(
        `if redis.call('GET', KEYS[1]) == ARGV[1] then
           redis.call('SET', KEYS[2], ARGV[1]); redis.call('DEL', KEYS[1]); return 1
         end
         return 0`,
        [this.rebuildingKey, this.epochKey],
        [marker],
      );
      if (Number(done) === 1) this.options.onStateChange?.("rebuilt");
    })().finally(() => (this.rebuilding = undefined));
    return this.rebuilding;
  }

  /** Deletes the epoch, retrying with backoff until Redis answers (or a check does it first). */
  private invalidateEpoch(attempt = 0): void {
    this.suspect = true;
    if (this.closed || (this.invalidation && attempt === 0)) return;
    const delay = attempt === 0 ? 0 : Math.min(30_000, 500 * 2 ** attempt);
    this.invalidation = setTimeout(() => {
      this.deleteEpoch().catch(() => this.invalidateEpoch(attempt + 1));
    }, delay);
    this.invalidation.unref?.();
  }

  private async deleteEpoch(): Promise<void> {
    await this.redis.del(this.epochKey);
    if (!this.suspect) return;
    this.suspect = false;
    clearTimeout(this.invalidation);
    this.invalidation = undefined;
    this.options.onStateChange?.("invalidated");
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.invalidation);
    return Promise.resolve();
  }
}
