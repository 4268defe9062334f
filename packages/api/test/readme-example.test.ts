/**
 * The README's "Adding a procedure and calling it from React", kept honest: the router it
 * writes, called through `createCaller` with a real App, as the README shows.
 */
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createInnerContext } from "../src";
import { createCallerFactory, createTRPCRouter, protectedProcedure } from "../src/trpc";
import { quickDatabase, registerAndLogin, startTestServer, type TestServer } from "./harness";

// packages/api/src/routers/greeting.ts in the README.
const greetingRouter = createTRPCRouter({
  hello: protectedProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .query(({ ctx, input }) => ({ text: `Hello, ${input.name}`, userId: ctx.user.id })),
});

describe("the README's procedure", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: await quickDatabase(), store: "database" });
  });
  afterAll(() => server.close());

  const callerWith = (token?: string) =>
    createCallerFactory(createTRPCRouter({ greeting: greetingRouter }))(
      createInnerContext({
        auth: server.app.auth,
        settings: server.app.settings,
        headers: new Headers(token ? { authorization: `Bearer ${token}` } : {}),
      }),
    );

  it("answers a signed-in caller", async () => {
    const user = await registerAndLogin(server.url);
    await expect(callerWith(user.accessToken).greeting.hello({ name: "Ada" })).resolves.toEqual({
      text: "Hello, Ada",
      userId: user.userId,
    });
  });

  it("refuses an anonymous one", async () => {
    const refusal = await callerWith()
      .greeting.hello({ name: "Ada" })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TRPCError);
    expect((refusal as TRPCError).code).toBe("UNAUTHORIZED");
  });
});
