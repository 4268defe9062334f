-- CreateEnum
CREATE TYPE "RevocationReason" AS ENUM ('logout', 'logout_all', 'password_changed', 'password_reset', 'session_revoked', 'session_limit', 'role_changed', 'refresh_token_reused', 'user_disabled', 'revoked_by_admin');

-- AlterTable: tickets live 30 seconds and are single use: the ones in flight are dropped rather
-- than given a made-up jti.
DELETE FROM "session_tickets";
ALTER TABLE "session_tickets" ADD COLUMN     "jti" UUID NOT NULL;

-- AlterTable: every reason stored so far is a member of the new enum, so the values are kept.
ALTER TABLE "sessions" ALTER COLUMN "revoked_reason" TYPE "RevocationReason" USING "revoked_reason"::"RevocationReason";

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "disabled_at" TIMESTAMPTZ(3),
ADD COLUMN     "email_verified_at" TIMESTAMPTZ(3),
ADD COLUMN     "tokens_revoked_at" TIMESTAMPTZ(3);
