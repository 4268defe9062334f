import { z } from "zod";

import { userListInput } from "../schemas";
import { okOutput, userPageOutput } from "../outputs";
import { adminProcedure, createTRPCRouter } from "../trpc";

const target = z.object({ userId: z.uuid() });

export const adminRouter = createTRPCRouter({
  /** One page of users (20 by default), optionally those whose email contains `email`. */
  users: adminProcedure
    .input(userListInput)
    .output(userPageOutput)
    .query(({ ctx, input }) => ctx.auth.admin.listUsers(input)),

  setRole: adminProcedure
    .input(z.object({ userId: z.uuid(), role: z.enum(["user", "admin"]) }))
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.admin.setRole(ctx.user, input.userId, input.role, ctx.meta);
      return { ok: true as const };
    }),

  /** Signs the user out everywhere now and refuses their logins until enabled. */
  disableUser: adminProcedure
    .input(target)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.admin.disableUser(ctx.user, input.userId, ctx.meta);
      return { ok: true as const };
    }),

  enableUser: adminProcedure
    .input(target)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.admin.enableUser(ctx.user, input.userId, ctx.meta);
      return { ok: true as const };
    }),

  /** Signs the user out everywhere; they may sign in again. */
  revokeSessions: adminProcedure
    .input(target)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.admin.revokeSessions(ctx.user, input.userId, ctx.meta);
      return { ok: true as const };
    }),

  /**
   * Removes every second factor and recovery code of the user (they lost them) and ends all of
   * their sessions; they sign in with the password alone and should enrol again.
   */
  resetMfa: adminProcedure
    .input(target)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.admin.resetMfa(ctx.user, input.userId, ctx.meta);
      return { ok: true as const };
    }),
});
