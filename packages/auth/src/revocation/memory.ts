import type { Clock } from "../clock";
import type { Role } from "../access-token";
import type { RevocationClaims, Revocations, RevocationStore, RevocationVerdict } from "./store";

export interface MemoryRevocationStoreOptions {
  clock: Clock;
  /** Longest life of any token this server accepts (ACCESS_TOKEN_TTL), plus the clock leeway. */
  accessTokenTtlSeconds: number;
  clockToleranceSeconds: number;
  /** Every revocation the database holds whose tokens may still be live (read at start). */
  loadRevocations(): Promise<Revocations>;
}

/** A token minted in a race with its session's revocation may carry a slightly later `exp`. */
const MARGIN_SECONDS = 60;

/** How often entries no token can need any more are dropped (bounds the maps). */
const SWEEP_MS = 60_000;

interface Version {
  version: number;
  role: Role;
  until: number;
}

/**
 * The embedded default's revocation store: the same answers as the Redis store (./redis), from
 * this process's memory. It is complete because the process owns its database: the embedded data
 * directory is locked to one process (packages/db data-dir-lock), so every revocation committed
 * there was committed by this process, through ./revoke, which writes the database first and then
 * `mirror`s it here before it answers. A restart rebuilds the maps from the database (`load`,
 * awaited before the server serves). What the database alone knows (whether the user and session
 * exist, the user's role) is still asked of it on a token's first sight in this process (see
 * ../authenticate). Nothing is cached about live tokens: a revocation is seen by the next request.
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly name = "memory";
  private readonly ttlMs: number;
  private readonly sessions = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  private readonly versions = new Map<string, Version>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(private readonly options: MemoryRevocationStoreOptions) {
    this.ttlMs =
      (options.accessTokenTtlSeconds + options.clockToleranceSeconds + MARGIN_SECONDS) * 1000;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref?.();
  }

  /** Reads every live revocation from the database; the store answers only after this. */
  async load(): Promise<void> {
    this.apply(await this.options.loadRevocations());
  }

  isRevoked(claims: RevocationClaims): Promise<RevocationVerdict> {
    return Promise.resolve(this.verdict(claims));
  }

  private verdict({ jti, sid, sub, ver, role }: RevocationClaims): RevocationVerdict {
    const now = this.options.clock.now();
    if (alive(this.tokens.get(jti), now) || alive(this.sessions.get(sid), now)) return "revoked";
    const floor = this.versions.get(sub);
    if (!floor || floor.until <= now) return "live";
    if (floor.version > ver) return "revoked";
    return floor.role !== role ? "role" : "live";
  }

  /** Called by ./revoke after the database committed: synchronous, so it cannot half-fail. */
  mirror(revocations: Partial<Revocations>): Promise<void> {
    this.apply(revocations);
    return Promise.resolve();
  }

  private apply({ sessions = [], versions = [], tokens = [] }: Partial<Revocations>): void {
    const now = this.options.clock.now();
    const until = now + this.ttlMs;
    for (const sid of sessions) this.sessions.set(sid, until);
    const tolerance = this.options.clockToleranceSeconds;
    // Each denied token is kept as long as the token itself could be accepted.
    for (const { jti, exp } of tokens)
      this.tokens.set(jti, Math.max(now + 1000, (exp + tolerance + 1) * 1000));
    for (const { userId, version, role } of versions) {
      const current = this.versions.get(userId);
      // Only ever raised (two bumps may arrive out of order); a retry of the same version
      // writes the same role again, like the Redis store's script.
      if (current && current.until > now && version < current.version) continue;
      this.versions.set(userId, { version, role, until });
    }
  }

  /** Drops what has outlived every token it could concern. */
  sweep(): void {
    const now = this.options.clock.now();
    for (const [key, until] of this.sessions) if (until <= now) this.sessions.delete(key);
    for (const [key, until] of this.tokens) if (until <= now) this.tokens.delete(key);
    for (const [key, { until }] of this.versions) if (until <= now) this.versions.delete(key);
  }

  /** Entries held (tests and the bench: the maps must not grow without bound). */
  get size(): number {
    return this.sessions.size + this.tokens.size + this.versions.size;
  }

  /** Memory answers whenever the process does. */
  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }
}

const alive = (until: number | undefined, now: number) => until !== undefined && until > now;
