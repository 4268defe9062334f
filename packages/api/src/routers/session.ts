import { z } from "zod";

import { eventStream, okOutput, sessionEventOutput, sessionListOutput } from "../outputs";
import { createTRPCRouter, protectedProcedure, ticketProcedure } from "../trpc";

export const sessionRouter = createTRPCRouter({
  list: protectedProcedure
    .output(sessionListOutput)
    .query(({ ctx }) => ctx.auth.sessions.list(ctx.identity)),

  revoke: protectedProcedure
    .input(z.object({ id: z.uuid() }))
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.auth.sessions.revokeOwn(ctx.identity, input.id, ctx.meta);
      return { ok: true as const };
    }),

  /**
   * One event stream per tab: `connected`, then `revoked` with the reason the moment this
   * session dies anywhere (logout elsewhere, logoutAll, password change, role change, refresh
   * token reuse). The guard then ends the stream with UNAUTHORIZED.
   */
  events: ticketProcedure.output(eventStream(sessionEventOutput)).subscription(async function* ({
    ctx,
    signal,
  }) {
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
