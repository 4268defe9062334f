export {
  loadConfig,
  ConfigError,
  type Config,
  type LoadConfigOptions,
  type RateLimitSetting,
} from "./config";
export { parseDuration } from "./duration";
export { estimateEntropyBits } from "./entropy";
export { RATE_LIMIT_VARIABLES, type Env } from "./schema";
