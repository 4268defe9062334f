-- AlterEnum
ALTER TYPE "RevocationReason" ADD VALUE 'mfa_changed';
