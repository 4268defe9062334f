import { z } from "zod";

import { createTRPCRouter, protectedProcedure } from "../trpc";

export const sessionRouter = createTRPCRouter({
  list: protectedProcedure.query(({ ctx }) => ctx.auth.listSessions(ctx)),

  revoke: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    await ctx.auth.revokeOwnSession(ctx, input.id);
    return { ok: true as const };
  }),
});
