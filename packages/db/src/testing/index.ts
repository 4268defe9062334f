export {
  createTestDatabase,
  databaseKinds,
  postgresAvailable,
  type DatabaseKind,
  type TestDatabase,
} from "./database";
export { IN_CI, POSTGRES_ADMIN_URL, REDIS_URL } from "./env";
