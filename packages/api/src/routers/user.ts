import { profileOutput } from "../outputs";
import { createTRPCRouter, signedInProcedure } from "../trpc";

export const userRouter = createTRPCRouter({
  me: signedInProcedure
    .output(profileOutput)
    .query(({ ctx }) => ctx.auth.accounts.profile(ctx.identity)),
});
