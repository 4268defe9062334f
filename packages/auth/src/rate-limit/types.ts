/** One limit: at most `limit` hits per `windowSeconds` for each key. */
export interface RateLimitRule {
  /** Stable name, part of every stored key (e.g. `login:ip`). */
  name: string;
  limit: number;
  windowSeconds: number;
}

/** One hit of a rule for one key (an address, an account, a device). */
export interface RateLimitHit {
  rule: RateLimitRule;
  key: string;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** When a refused caller may try again (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * Where attempts are counted. Implementations must be shared by every instance (Redis or the
 * database), atomic per hit, and must throw when their store cannot answer: callers turn that
 * into 503 (fail closed), never into "allowed". Several hits go in one round trip, because a
 * login counts four or five of them.
 */
export interface RateLimiter {
  readonly name: string;
  /** Counts each hit and says, in order, whether it is within its rule. */
  consume(hits: readonly RateLimitHit[]): Promise<RateLimitDecision[]>;
  /** Gives back one allowed hit each (a login that succeeded is not a failure). */
  refund(hits: readonly RateLimitHit[]): Promise<void>;
  /** Resolves when the limiter's store answers, throws when it does not (readiness). */
  ping(): Promise<void>;
  /** Deletes counters nobody can use any more (optional housekeeping). */
  prune?(): Promise<void>;
}
