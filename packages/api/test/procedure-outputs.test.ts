/**
 * Every procedure declares what it answers (`.output()`), so tRPC cuts each response to that
 * shape: a field added to a select cannot reach a client unless the schema names it. Walks the
 * whole router, so a procedure added later without an output schema fails here.
 */
import { describe, expect, it } from "vitest";

import { listProcedures } from "../src/openapi/procedures";
import { appRouter } from "../src/root";

const procedures = listProcedures(appRouter);

describe("declared outputs", () => {
  it("finds the router's procedures", () => {
    expect(procedures.map(({ path }) => path)).toEqual(
      expect.arrayContaining(["health", "auth.login", "user.me", "session.events", "admin.users"]),
    );
  });

  it.each(procedures.map((p) => [p.path, p] as const))("%s declares an output schema", (_, p) => {
    expect(p.output).toBeDefined();
  });
});
