export type { RateLimitDecision, RateLimiter, RateLimitHit, RateLimitRule } from "./types";
export { clientIpKey } from "./ip";
export { DatabaseRateLimiter } from "./database";
export { RedisRateLimiter } from "./redis";
