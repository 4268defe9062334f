import type { AnyTRPCRouter } from "@trpc/server";
import type { z } from "zod";

/** What the document and the tests read of one procedure. */
export interface ProcedureEntry {
  path: string;
  type: "query" | "mutation" | "subscription";
  /** The zod schemas of its `.input()` calls (at most one in this router). */
  inputs: readonly z.ZodType[];
  output: z.ZodType | undefined;
}

interface ProcedureDef {
  type: ProcedureEntry["type"];
  inputs: z.ZodType[];
  output?: z.ZodType;
}

/** Every procedure of a router, by its dotted path, in declaration order. */
export function listProcedures(router: AnyTRPCRouter): ProcedureEntry[] {
  // tRPC keeps the flattened procedures on the router's definition; its public types describe
  // the nested record instead, so the definition is read as what it is at run time.
  const flat = router._def.procedures as unknown as Record<string, { _def: ProcedureDef }>;
  return Object.entries(flat).map(([path, { _def }]) => ({
    path,
    type: _def.type,
    inputs: _def.inputs,
    output: _def.output,
  }));
}
