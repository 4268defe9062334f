import { profileOutput } from "../outputs";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const userRouter = createTRPCRouter({
  me: protectedProcedure
    .output(profileOutput)
    .query(({ ctx }) => ctx.auth.accounts.profile(ctx.identity)),
});
