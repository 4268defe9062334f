/** A token bucket: `limit` tokens, refilled evenly at `limit` per `windowSeconds`. */
export interface TokenBucket {
  /** Takes one token; false when the bucket is empty (and takes nothing). */
  take(): boolean;
}

export function createTokenBucket(
  { limit, windowSeconds }: { limit: number; windowSeconds: number },
  now: () => number,
): TokenBucket {
  const refillPerMs = limit / (windowSeconds * 1000);
  let tokens = limit;
  let last = now();
  return {
    take() {
      const at = now();
      tokens = Math.min(limit, tokens + Math.max(0, at - last) * refillPerMs);
      last = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
