-- CreateEnum
CREATE TYPE "WebAuthnCeremony" AS ENUM ('registration', 'sign_in', 'second_factor', 'reauthentication');

-- CreateTable
CREATE TABLE "webauthn_challenges" (
    "challenge_hash" TEXT NOT NULL,
    "ceremony" "WebAuthnCeremony" NOT NULL,
    "user_id" UUID,
    "session_id" UUID,
    "login_challenge_hash" TEXT,
    "client_fingerprint" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),

    CONSTRAINT "webauthn_challenges_pkey" PRIMARY KEY ("challenge_hash")
);

-- CreateIndex
CREATE INDEX "webauthn_challenges_user_id_idx" ON "webauthn_challenges"("user_id");

-- CreateIndex
CREATE INDEX "webauthn_challenges_expires_at_idx" ON "webauthn_challenges"("expires_at");

-- AddForeignKey
ALTER TABLE "webauthn_challenges" ADD CONSTRAINT "webauthn_challenges_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
