import { randomUUID } from "node:crypto";

import type { Clock } from "../clock";
import { redisScript, type RedisCommands } from "../redis/commands";
import { createBatcher } from "../batch";
import type { RevocationClaims, Revocations, RevocationStore, RevocationVerdict } from "./store";

export interface RedisRevocationStoreOptions {
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
 * Sets a user's token-version floor, only ever raising it (two bumps may arrive out of order),
 * and the role the user held at that version, written with it (a retry of the same version
 * writes the same role again). A role key is only ever as new as its version key.
 */
const RAISE_VERSION = redisScript(`local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
local v = tonumber(ARGV[1])
if v > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
if v >= cur then redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2]) end
return 1`);

/** Writes the epoch only if the rebuild's marker survived the copy (no flush in between). */
const COMPLETE_REBUILD = redisScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[1]); redis.call('DEL', KEYS[1]); return 1
end
return 0`);

/**
 * Revocation in Redis (Upstash's REST protocol or a plain Redis, see ../redis): the fast path
 * every instance shares, never the source of truth. Redis can lose its data (a restart without persistence, FLUSHDB,
 * eviction), so every check also reads an epoch key written without TTL once Redis holds every
 * revocation of the database. No epoch means Redis is incomplete: checks go to the database
 * until Redis is rebuilt from it. A write that fails after the database committed deletes the
 * epoch (retrying until Redis answers), which sends every instance to the database and makes
 * the next rebuild copy that revocation too.
 */
export class RedisRevocationStore implements RevocationStore {
  readonly name: string;
  private readonly ttlSeconds: number;
  private readonly key: Record<"jti" | "sid" | "ver" | "role", (id: string) => string>;
  private readonly epochKey: string;
  private readonly rebuildingKey: string;
  private rebuilding: Promise<void> | undefined;
  /** A write failed: Redis may lack a revocation the database has, until the epoch is gone. */
  private suspect = false;
  private invalidation: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly redis: RedisCommands,
    private readonly options: RedisRevocationStoreOptions,
  ) {
    this.name = redis.name;
    const prefix = options.prefix ?? "auth";
    this.ttlSeconds =
      options.accessTokenTtlSeconds + options.clockToleranceSeconds + MARGIN_SECONDS;
    this.key = {
      jti: (jti) => `${prefix}:rv:jti:${jti}`,
      sid: (sid) => `${prefix}:rv:sid:${sid}`,
      ver: (sub) => `${prefix}:rv:ver:${sub}`,
      role: (sub) => `${prefix}:rv:role:${sub}`,
    };
    this.epochKey = `${prefix}:rv:epoch`;
    this.rebuildingKey = `${prefix}:rv:rebuilding`;
  }

  isRevoked(claims: RevocationClaims): Promise<RevocationVerdict> {
    return this.check(claims);
  }

  /**
   * Concurrent checks share one MGET (the epoch, then four keys each): one round trip. The role
   * key exists for a user whose token version moved within a token lifetime (every role change
   * moves it): a token that claims another role than the one recorded there is refused.
   */
  private readonly check = createBatcher<RevocationClaims, RevocationVerdict>(async (batch) => {
    const [epoch, ...values] = await this.redis.mget([
      this.epochKey,
      ...batch.flatMap(({ jti, sid, sub }) => [
        this.key.jti(jti),
        this.key.sid(sid),
        this.key.ver(sub),
        this.key.role(sub),
      ]),
    ]);
    if (epoch == null || this.suspect) {
      // Redis answers again: this instance stops trusting it at once, the others once the
      // epoch is deleted, and whoever checks next rebuilds it.
      if (this.suspect) void this.deleteEpoch().catch(() => undefined);
      else void this.rebuild().catch(() => undefined);
      return Promise.all(batch.map((claims) => this.options.authority.isRevoked(claims)));
    }
    return batch.map(({ ver, role }, i): RevocationVerdict => {
      const [denied, sessionRevoked, minVersion, heldRole] = values.slice(i * 4, i * 4 + 4);
      if (denied != null || sessionRevoked != null) return "revoked";
      if (minVersion != null && Number(minVersion) > ver) return "revoked";
      return heldRole != null && heldRole !== role ? "role" : "live";
    });
  });

  async mirror({ sessions = [], versions = [], tokens = [] }: Partial<Revocations>): Promise<void> {
    const now = Math.floor(this.options.clock.now() / 1000);
    const tolerance = this.options.clockToleranceSeconds;
    try {
      // Issued together, both clients pipeline them into one request.
      await Promise.all([
        ...sessions.map((sid) =>
          this.redis.set(this.key.sid(sid), "1", { expireSeconds: this.ttlSeconds }),
        ),
        // Each denied token's entry lives as long as the token itself could, whatever TTL minted it.
        ...tokens.map(({ jti, exp }) =>
          this.redis.set(this.key.jti(jti), "1", {
            expireSeconds: Math.max(1, exp - now + tolerance + 1),
          }),
        ),
        ...versions.map(({ userId, version, role }) =>
          this.redis.run(
            RAISE_VERSION,
            [this.key.ver(userId), this.key.role(userId)],
            [String(version), String(this.ttlSeconds), role],
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
      await this.redis.set(this.rebuildingKey, marker, { expireSeconds: 120 });
      await this.mirror(await this.options.loadRevocations());
      const done = await this.redis.run(
        COMPLETE_REBUILD,
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

  /** Readiness: Redis answers (whether it is whole is what the epoch is for). */
  ping(): Promise<void> {
    return this.redis.ping();
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.invalidation);
    return Promise.resolve();
  }
}
