import { z } from "zod";

import { createTRPCRouter, protectedProcedure } from "../trpc";

export const greetingRouter = createTRPCRouter({
  hello: protectedProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .query(({ input }) => ({ text: `Hello, ${input.name}` })),
});
