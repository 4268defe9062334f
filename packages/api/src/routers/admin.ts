import { z } from "zod";

import { userListInput } from "../schemas";
import { adminProcedure, createTRPCRouter } from "../trpc";

const target = z.object({ userId: z.uuid() });

export const adminRouter = createTRPCRouter({
  /** One page of users (20 by default), optionally those whose email contains `email`. */
  users: adminProcedure
    .input(userListInput)
    .query(({ ctx, input }) => ctx.auth.admin.listUsers(input)),

  setRole: adminProcedure
    .input(z.object({ userId: z.uuid(), role: z.enum(["user", "admin"]) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.admin.setRole(input.userId, input.role, ctx.meta);
      return { ok: true as const };
    }),

  /** Signs the user out everywhere now and refuses their logins until enabled. */
  disableUser: adminProcedure.input(target).mutation(async ({ ctx, input }) => {
    await ctx.auth.admin.disableUser(ctx, input.userId, ctx.meta);
    return { ok: true as const };
  }),

  enableUser: adminProcedure.input(target).mutation(async ({ ctx, input }) => {
    await ctx.auth.admin.enableUser(ctx, input.userId, ctx.meta);
    return { ok: true as const };
  }),

  /** Signs the user out everywhere; they may sign in again. */
  revokeSessions: adminProcedure.input(target).mutation(async ({ ctx, input }) => {
    await ctx.auth.admin.revokeSessions(ctx, input.userId, ctx.meta);
    return { ok: true as const };
  }),
});
