import { z } from "zod";

import { adminProcedure, createTRPCRouter } from "../trpc";

export const adminRouter = createTRPCRouter({
  users: adminProcedure.query(({ ctx }) => ctx.auth.listUsers()),

  setRole: adminProcedure
    .input(z.object({ userId: z.uuid(), role: z.enum(["user", "admin"]) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.setRole(input.userId, input.role);
      return { ok: true as const };
    }),
});
