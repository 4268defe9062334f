import { z } from "zod";

import { adminProcedure, createTRPCRouter } from "../trpc";

export const adminRouter = createTRPCRouter({
  users: adminProcedure.query(({ ctx }) => ctx.auth.admin.listUsers()),

  setRole: adminProcedure
    .input(z.object({ userId: z.uuid(), role: z.enum(["user", "admin"]) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.admin.setRole(input.userId, input.role, ctx.meta);
      return { ok: true as const };
    }),
});
