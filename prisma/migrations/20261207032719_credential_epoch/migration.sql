-- AlterTable
ALTER TABLE "users" ADD COLUMN     "credential_epoch" INTEGER NOT NULL DEFAULT 0;
