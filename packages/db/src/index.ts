export { openDatabase, type Database, type DatabaseTarget } from "./client";
export {
  checkDatabase,
  DatabaseUnavailableError,
  describeTarget,
  errorReason,
  maskUrl,
} from "./check";
export { publicUserSelect, credentialUserSelect, type PublicUser } from "./select";
export { isUniqueViolation, isWriteConflict, retryOnWriteConflict } from "./errors";
export { vacuumWhereDue } from "./vacuum-where-due";
export { normalizeEmail } from "./email";
export { Prisma, PrismaClient, Role } from "./generated/prisma/client";
export type { User, Session, RefreshToken } from "./generated/prisma/client";
