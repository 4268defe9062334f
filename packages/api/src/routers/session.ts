import { z } from "zod";

import { createTRPCRouter, protectedProcedure, ticketProcedure } from "../trpc";

export const sessionRouter = createTRPCRouter({
  list: protectedProcedure.query(({ ctx }) => ctx.auth.sessions.list(ctx)),

  revoke: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    await ctx.auth.sessions.revokeOwn(ctx, input.id, ctx.meta);
    return { ok: true as const };
  }),

  /**
   * One event stream per tab: `connected`, then `revoked` with the reason the moment this
   * session dies anywhere (logout elsewhere, logoutAll, password change, role change, refresh
   * token reuse). The guard then ends the stream with UNAUTHORIZED.
   */
  events: ticketProcedure.subscription(async function* ({ ctx, signal }) {
    yield { type: "connected" as const };
    const reason = await Promise.race([
      ctx.watch.ended,
      new Promise<null>((resolve) =>
        signal?.addEventListener("abort", () => resolve(null), { once: true }),
      ),
    ]);
    if (reason) yield { type: "revoked" as const, reason };
  }),
});
