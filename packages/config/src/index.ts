export {
  loadConfig,
  workspaceRoot,
  ConfigError,
  type Config,
  type LoadConfigOptions,
  type RateLimitSetting,
} from "./config";
export { parseDuration } from "./duration";
export { estimateEntropyBits } from "./entropy";
export { RATE_LIMIT_VARIABLES, type Env, type TrustProxy } from "./schema";
export { publishedSecretReason } from "./published-secrets";
export { isSharedSecret, MIN_SECRET_BITS, secretProblem } from "./secret-problem";
export type { WebAuthnSettings } from "./webauthn";
