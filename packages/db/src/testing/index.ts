export {
  createTestDatabase,
  databaseKinds,
  postgresAvailable,
  type DatabaseKind,
  type TestDatabase,
} from "./database";
export { IN_CI, POSTGRES_ADMIN_URL, TEST_REDIS_URL } from "./env";
export {
  redisAnswers,
  redisAvailable,
  startRedisServer,
  type RedisServer,
  type RedisTls,
} from "./redis-server";
