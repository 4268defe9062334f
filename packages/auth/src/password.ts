import { availableParallelism } from "node:os";

import argon2 from "argon2";
import bcrypt from "bcryptjs";

import { AuthError } from "./errors";
import { storedHashProblem, storedHashScheme } from "./stored-hash";

/** OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane. Change here; old hashes upgrade on login. */
export const PASSWORD_HASH_PARAMS = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

export interface PasswordHashParams {
  type?: (typeof PASSWORD_HASH_PARAMS)["type"];
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface PasswordCheck {
  ok: boolean;
  /**
   * The stored hash uses older parameters, or another scheme (bcrypt, from an import), and
   * should be replaced with `hash(password)`: what passlib's `deprecated="auto"` does.
   */
  needsRehash: boolean;
}

/**
 * argon2 runs on libuv's thread pool, which jose's WebCrypto also uses. Capping concurrent hashes
 * below the pool size keeps a login storm from starving token verification, and capping the
 * queue behind them turns a flood into quick 503s instead of waits that grow without bound.
 */
class Semaphore {
  private waiting: (() => void)[] = [];
  /** Work refused because the queue was full, since start (metrics). */
  refused = 0;
  constructor(
    private free: number,
    private readonly maxQueued: number,
  ) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else if (this.waiting.length >= this.maxQueued) {
      this.refused++;
      throw new AuthError("OVERLOADED", { retryAfterSeconds: 1 });
    } else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
  get queued(): number {
    return this.waiting.length;
  }
}

export interface PasswordHasherOptions {
  params?: PasswordHashParams;
  /** Hashes running at once. */
  maxConcurrent?: number;
  /** Hashes that may wait for a slot (~0.5 s of work at 2 in flight); past it: OVERLOADED. */
  maxQueued?: number;
  /** bcrypt verifies (imported accounts) that may wait for the one bcrypt slot; past it: OVERLOADED. */
  maxBcryptQueued?: number;
}

export class PasswordHasher {
  private readonly params: Required<PasswordHashParams>;
  private readonly slots: Semaphore;
  /**
   * bcrypt runs in JavaScript on the event loop (bcryptjs yields between slices, but the CPU is
   * this thread's): one at a time, so a burst of logins to imported accounts cannot take the
   * whole process, and a short queue behind it.
   */
  private readonly bcryptSlot: Semaphore;
  private dummyHash: Promise<string> | undefined;

  /**
   * Hashes in flight: the cores less one, at most 2 (the thread pool has 4). Each hash keeps a
   * core busy for ~30 ms; the event loop needs a core of its own or every request's latency
   * grows during a login storm (packages/bench: on 2 cores, 2 in flight tripled public p99).
   */
  constructor({
    params = PASSWORD_HASH_PARAMS,
    maxConcurrent = Math.min(2, Math.max(1, availableParallelism() - 1)),
    maxQueued = 32,
    maxBcryptQueued = 8,
  }: PasswordHasherOptions = {}) {
    this.params = { ...PASSWORD_HASH_PARAMS, ...params };
    this.slots = new Semaphore(maxConcurrent, maxQueued);
    this.bcryptSlot = new Semaphore(1, maxBcryptQueued);
  }

  /** argon2 work waiting for a slot now, and refused (OVERLOADED) since start: for metrics. */
  stats(): { queued: number; refused: number } {
    return { queued: this.slots.queued, refused: this.slots.refused };
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => argon2.hash(password, this.params));
  }

  async verify(hash: string, password: string): Promise<PasswordCheck> {
    if (storedHashScheme(hash) === "bcrypt") {
      const ok = await this.verifyBcrypt(hash, password);
      return { ok, needsRehash: ok };
    }
    const ok = await this.slots.run(() =>
      // A corrupt stored hash must not distinguish itself from a wrong password.
      argon2.verify(hash, password).catch(() => false),
    );
    return { ok, needsRehash: ok && argon2.needsRehash(hash, this.params) };
  }

  /**
   * bcrypt reads the first 72 bytes of the password, as the system that made the hash did (the
   * seed's passlib truncates silently): an owner whose password is longer still signs in, and
   * the argon2id hash made at that login covers every byte. Refusing longer passwords would
   * protect nothing (whoever knows the first 72 bytes sends just those) and lock owners out. A
   * cost outside the importable range is never computed.
   */
  private async verifyBcrypt(hash: string, password: string): Promise<boolean> {
    if (storedHashProblem(hash)) return false;
    return this.bcryptSlot.run(() => bcrypt.compare(password, hash).catch(() => false));
  }

  /**
   * Spends one verify against a hash made with the current parameters, so a login for an unknown
   * email takes as long as one with a wrong password and timing reveals nothing.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash("dummy password that never matches anything");
    await this.verify(await this.dummyHash, password);
    return false;
  }

  /** Computes the dummy hash ahead of the first unknown-email login. */
  async warmUp(): Promise<void> {
    this.dummyHash ??= this.hash("dummy password that never matches anything");
    await this.dummyHash;
  }
}
