import type { IncomingHttpHeaders } from "node:http";

import {
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  TRPCError,
} from "@trpc/server";
import { getHTTPStatusCode } from "@trpc/server/http";

import type { App } from "../app";
import { appRouter } from "../root";
import { createInnerContext } from "../trpc";
import { responseHeaders } from "./meta";
import { TRPC_PATH } from "./routes";

type Procedure = ((opts: {
  path: string;
  getRawInput: () => Promise<unknown>;
  ctx: unknown;
  type: DirectCall["type"];
  signal: AbortSignal | undefined;
  batchIndex: number;
}) => Promise<unknown>) & { _def: { type: string } };

const config = appRouter._def._config;

const procedures = new Map(
  Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>),
);

const PREFIX = `${TRPC_PATH}/`;

/**
 * One call tRPC's Fetch adapter is not needed for: a query of a GET with its `input` parameter
 * as sent (null: none), or a mutation of a POST whose JSON body is still to be read.
 */
export type DirectCall =
  { type: "query"; path: string; rawInput: string | null } | { type: "mutation"; path: string };

/**
 * The calls this server answers without tRPC's Fetch adapter: a GET of one query whose only
 * query parameter is `input`, and a POST of one mutation with no query string, a JSON body of
 * a declared length within `maxBodyBytes` (none declared and none chunked: no body); neither with a streaming `accept`. Everything else
 * (batches, subscriptions, a percent-encoded or unknown path, a body of unknown length, HEAD, a
 * method the procedure does not take) returns null and takes the adapter, which also answers
 * every malformed case. The target is the normalised one the listener routes on.
 */
export function directCallOf(
  method: string | undefined,
  target: string,
  headers: IncomingHttpHeaders,
  maxBodyBytes: number,
): DirectCall | null {
  if (!target.startsWith(PREFIX) || headers["trpc-accept"] !== undefined) return null;
  if (headers.accept?.includes("application/jsonl")) return null;
  const query = target.indexOf("?");
  const path = target.slice(PREFIX.length, query === -1 ? undefined : query);
  const type = procedures.get(path)?._def.type;
  if (method === "GET" && type === "query" && headers["content-type"] === undefined) {
    if (query === -1) return { type, path, rawInput: null };
    const search = new URLSearchParams(target.slice(query + 1));
    for (const name of search.keys()) if (name !== "input") return null;
    return { type, path, rawInput: search.get("input") };
  }
  if (method === "POST" && type === "mutation" && query === -1 && isJson(headers)) {
    // A request with neither header has no body (RFC 9112, 6.3): length 0.
    const length = Number(headers["content-length"] ?? 0);
    const declared = headers["transfer-encoding"] === undefined && Number.isInteger(length);
    return declared && length <= maxBodyBytes ? { type, path } : null;
  }
  return null;
}

/** tRPC's own test of a JSON body: the media type before any parameter, in any case. */
function isJson(headers: IncomingHttpHeaders): boolean {
  const mediaType = headers["content-type"]?.toLowerCase().split(";", 1)[0]?.trim();
  return mediaType === "application/json";
}

export interface DirectAnswer {
  status: number;
  headers: Headers;
  body: string;
}

interface DirectRequest {
  headers: Headers;
  clientIp: string | null;
  requestId: string;
  onError: (error: TRPCError) => void;
}

/**
 * Answers a `DirectCall` as `fetchRequestHandler` would, byte for byte (test/direct-call.test.ts
 * sends the same requests both ways): the same context, the procedure called as tRPC calls it,
 * the error shape, status and body from tRPC's own exported functions, the headers of
 * `responseMeta`. What it leaves out is what a single call never uses: the `Request` and
 * `Response` objects, the URL parse, the two abort controllers and `AbortSignal.any` tRPC makes
 * per request (nothing of a query or mutation outlives its answer), and the batch machinery.
 * `rawInput` is the query's `input` parameter or the mutation's body, as sent.
 */
export async function answerDirectCall(
  app: Pick<App, "auth" | "settings">,
  { type, path }: DirectCall,
  rawInput: string | null,
  call: DirectRequest,
): Promise<DirectAnswer> {
  const ctx = createInnerContext({
    auth: app.auth,
    settings: app.settings,
    headers: call.headers,
    clientIp: call.clientIp,
    requestId: call.requestId,
  });
  let input: unknown;
  const getRawInput = () => {
    // tRPC's own parse of a non-batch call: JSON, then the transformer; "" means no input. What
    // fails here is the client's: BAD_REQUEST with the parser's message, as tRPC says it.
    try {
      input = rawInput ? config.transformer.input.deserialize(JSON.parse(rawInput)) : undefined;
      return Promise.resolve(input);
    } catch (cause) {
      if (cause instanceof TRPCError) return Promise.reject(cause);
      const message = cause instanceof Error ? cause.message : "Invalid input";
      return Promise.reject(new TRPCError({ code: "BAD_REQUEST", message, cause }));
    }
  };
  let json;
  let error: TRPCError | undefined;
  try {
    const data = await procedures.get(path)!({
      path,
      getRawInput,
      ctx,
      type,
      signal: undefined,
      batchIndex: 0,
    });
    if (isDataStream(data))
      throw new TRPCError({
        code: "UNSUPPORTED_MEDIA_TYPE",
        message:
          "Cannot use stream-like response in non-streaming request - use httpBatchStreamLink",
      });
    json = { result: { data } };
  } catch (cause) {
    error = getTRPCErrorFromUnknown(cause);
    call.onError(error);
    json = { error: getTRPCErrorShape({ config, ctx, error, input, path, type }) };
  }
  const errors = error ? [error] : [];
  const headers = new Headers([
    ["vary", "trpc-accept, accept"],
    ["content-type", "application/json"],
  ]);
  for (const [name, value] of responseHeaders(ctx, errors)) headers.append(name, value);
  return {
    status: getHTTPStatusCode([json], errors),
    headers,
    body: JSON.stringify(transformTRPCResponse(config, json)),
  };
}

/** tRPC's test for a result only a streaming link can carry (a promise or iterable inside). */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (isAsyncIterable(value)) return true;
  const items = Object.values(value);
  return items.some(isPromise) || items.some(isAsyncIterable);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  !!value && !Array.isArray(value) && typeof value === "object";
const isAsyncIterable = (value: unknown): boolean =>
  isObject(value) && Symbol.asyncIterator in value;
const isPromise = (value: unknown): boolean =>
  (isObject(value) || typeof value === "function") &&
  typeof (value as { then?: unknown }).then === "function" &&
  typeof (value as { catch?: unknown }).catch === "function";
