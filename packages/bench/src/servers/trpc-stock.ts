/**
 * The adapter ceiling: stock tRPC v11 `createHTTPServer` with a one-procedure router, mounted
 * at the same path as ours (/api/trpc/health).
 */
import { parseArgs } from "node:util";

import { initTRPC } from "@trpc/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

const t = initTRPC.create();
const router = t.router({ health: t.procedure.query(() => ({ ok: true as const })) });

createHTTPServer({ router, basePath: "/api/trpc/" }).listen(Number(values.port), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
