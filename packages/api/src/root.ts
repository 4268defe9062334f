import { healthOutput } from "./outputs";
import { adminRouter } from "./routers/admin";
import { authRouter } from "./routers/auth";
import { mfaRouter } from "./routers/mfa";
import { passkeyRouter } from "./routers/passkey";
import { sessionRouter } from "./routers/session";
import { userRouter } from "./routers/user";
import { createCallerFactory, createTRPCRouter, publicProcedure } from "./trpc";

export const appRouter = createTRPCRouter({
  health: publicProcedure.output(healthOutput).query(() => ({ ok: true as const })),
  auth: authRouter,
  user: userRouter,
  session: sessionRouter,
  admin: adminRouter,
  mfa: mfaRouter,
  passkey: passkeyRouter,
});

export type AppRouter = typeof appRouter;

/** Procedures callable without a token. Everything else must refuse anonymous callers (tested). */
export const PUBLIC_PROCEDURES = [
  "health",
  "auth.register",
  "auth.login",
  "auth.verifyMfa",
  "auth.refresh",
  "auth.logout",
  "auth.requestPasswordReset",
  "auth.resetPassword",
  "auth.verifyEmail",
  "auth.requestVerificationEmail",
  "passkey.authenticationOptions",
  "passkey.authenticate",
] as const;

export const createCaller = createCallerFactory(appRouter);
