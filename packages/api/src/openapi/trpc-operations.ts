/**
 * The procedures as operations on tRPC's own HTTP shape (no batching, no transformer): a query
 * is `GET /api/trpc/<path>?input=<JSON>`, a mutation `POST /api/trpc/<path>` with a JSON body
 * (`{}` when it takes no input: without a JSON body tRPC answers 415). A success is
 * `{"result":{"data":<output>}}`; an error the envelope of ./trpc-errors.
 */
import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from "zod-openapi";
import type { oas31 } from "zod-openapi";

type SchemaObject = oas31.SchemaObject;

import type { ProcedureEntry } from "./procedures";
import { TRPC_ERROR_STATUSES } from "./trpc-errors";

export type Access = "public" | "refreshCookie" | "user" | "admin";

export interface TrpcOperationOptions {
  /** The tRPC endpoint, e.g. `/api/trpc`. */
  endpoint: string;
  /** Who may call a procedure (root.ts PUBLIC_PROCEDURES and the admin router decide). */
  access: (path: string) => Access;
  /** One sentence per procedure, from the router's doc comments. */
  summaries: Readonly<Record<string, string>>;
}

/** The security requirement objects of each access level (names of ./security). */
export const SECURITY: Readonly<Record<Access, Record<string, string[]>[]>> = {
  public: [],
  refreshCookie: [{ refreshCookie: [] }],
  user: [{ oauth2Password: [] }, { bearerJwt: [] }],
  admin: [{ oauth2Password: [] }, { bearerJwt: [] }],
};

const NO_INPUT = z
  .object({})
  .meta({ id: "NoInput", description: "This procedure takes no input: send `{}`." });

const errorRefs = (mutation: boolean) =>
  Object.fromEntries(
    TRPC_ERROR_STATUSES.filter((status) => mutation || status !== 415).map((status) => [
      String(status),
      { $ref: `#/components/responses/Trpc${status}` },
    ]),
  );

/** A parameter's schema, inline: zod-openapi converts bodies, not a parameter's `content`. */
function inlineSchema(schema: z.ZodType): SchemaObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: "input" });
  return json as SchemaObject;
}

function success(output: z.ZodType | undefined) {
  const data = output ?? z.unknown();
  return {
    description: "Success: tRPC's result envelope.",
    content: {
      "application/json": { schema: z.object({ result: z.object({ data }) }) },
    },
  };
}

function operation(
  entry: ProcedureEntry,
  options: TrpcOperationOptions,
): ZodOpenApiOperationObject {
  const access = options.access(entry.path);
  const mutation = entry.type === "mutation";
  const input = entry.inputs[0];
  const summary = options.summaries[entry.path] ?? entry.path;
  const adminNote = access === "admin" ? " Admin only: the token's role must be `admin`." : "";
  return {
    operationId: entry.path,
    tags: [entry.path.includes(".") ? entry.path.slice(0, entry.path.indexOf(".")) : "health"],
    summary,
    description: `tRPC ${entry.type} \`${entry.path}\`.${adminNote}`,
    security: SECURITY[access],
    ...(access === "admin" ? { "x-required-role": "admin" } : {}),
    ...(mutation
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: input ?? NO_INPUT } },
          },
        }
      : input
        ? {
            parameters: [
              {
                name: "input",
                in: "query" as const,
                required: false,
                description: "The input as JSON (URL-encoded).",
                content: { "application/json": { schema: inlineSchema(input) } },
              },
            ],
          }
        : {}),
    responses: { "200": success(entry.output), ...errorRefs(mutation) },
  };
}

/** Path items for the queries and mutations; subscriptions are streams (docs/websocket.md). */
export function trpcPaths(
  procedures: readonly ProcedureEntry[],
  options: TrpcOperationOptions,
): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const entry of procedures) {
    if (entry.type === "subscription") continue;
    const method = entry.type === "mutation" ? "post" : "get";
    paths[`${options.endpoint}/${entry.path}`] = { [method]: operation(entry, options) };
  }
  return paths;
}
