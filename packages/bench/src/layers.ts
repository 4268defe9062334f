/**
 * CPU per request by layer of the serving path (issue 28): every sample of a V8 `.cpuprofile`
 * inside a measured run is given to the innermost frame of its stack that names a layer, and the
 * layer's sampled time is divided by the run's answered requests. The same rules classify stock
 * tRPC's `createHTTPServer` and ours, so the two columns compare layer by layer.
 *
 *   node --import tsx src/layers.ts <file.cpuprofile> --from <µs> --to <µs> --requests <n>
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";

import { packageOf } from "./cpuprofile";

interface Frame {
  functionName: string;
  url: string;
}

interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}

export interface LayerProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** The layers, in the order a request meets them (the report prints them in this order). */
export const LAYERS = [
  "node:http parser and sockets (shared)",
  "custom-server dispatch (listener, Next's presence)",
  "trackRequest + access log (pino)",
  "in-flight tracking + metrics",
  "building the Fetch Request",
  "routing (our handler, ticket preflight)",
  "tRPC resolveResponse or our direct call (incl. procedure, context)",
  "responseMeta + security headers",
  "writeResponse",
  "Next.js code",
  "database (PGlite, Prisma, pg)",
  "garbage collection",
  "V8 / native (program)",
] as const;
export type Layer = (typeof LAYERS)[number];

const file = (url: string) => url.split("/").pop() ?? "";
const ourFile = (url: string, pkg: string, ...names: string[]) =>
  packageOf(url) === pkg && names.some((name) => file(url).startsWith(name));

/** A frame that names its layer by itself, whichever frame is inside it. */
function markerLayer({ functionName: name, url }: Frame): Layer | undefined {
  if (
    [
      "incomingMessageToRequest",
      "createURL",
      "createHeaders",
      "createBody",
      "toFetchRequest",
      "fetchHeaders",
    ].includes(name)
  )
    return "building the Fetch Request";
  if (
    [
      "writeResponse",
      "writeResponseBody",
      "writeResponseBodyChunk",
      "writeNodeResponse",
      "writeAnswer",
    ].includes(name)
  )
    return "writeResponse";
  if (
    [
      "responseMeta",
      "responseHeaders",
      "applyCachePolicy",
      "applySecurityHeaders",
      "handleApi",
    ].includes(name)
  )
    return "responseMeta + security headers";
  if (
    [
      "trackRequest",
      "finish",
      "noteRequestError",
      "requestIdFrom",
      "pathOf",
      "writeAccessLine",
    ].includes(name) &&
    ourFile(url, "@authkit/api", "log")
  )
    return "trackRequest + access log (pino)";
  if (
    ["countRequest", "track", "stream", "request", "routeLabel", "onClose", "untrack"].includes(
      name,
    ) &&
    ourFile(url, "@authkit/api", "node", "in-flight", "metrics", "route-label")
  )
    return "in-flight tracking + metrics";
  if (["route", "ticketPreflight", "pathnameOf", "isApiTarget", "routeApi"].includes(name))
    return "routing (our handler, ticket preflight)";
  if (
    [
      "fetchRequestHandler",
      "resolveResponse",
      "nodeHTTPRequestHandler",
      "answerDirectly",
      "answerDirectCall",
      "directCallOf",
    ].includes(name)
  )
    return "tRPC resolveResponse or our direct call (incl. procedure, context)";
  return undefined;
}

/** A frame's layer by where its code lives, for frames no marker encloses. */
function packageLayer({ functionName: name, url }: Frame): Layer | undefined {
  if (name === "(garbage collector)") return "garbage collection";
  if (name === "(program)") return "V8 / native (program)";
  const pkg = packageOf(url);
  if (pkg === "pino" || pkg === "sonic-boom" || ourFile(url, "@authkit/api", "log"))
    return "trackRequest + access log (pino)";
  if (pkg === "prom-client" || ourFile(url, "@authkit/api", "in-flight", "metrics", "route-label"))
    return "in-flight tracking + metrics";
  if (pkg === "@trpc/server" || pkg === "zod" || pkg === "@authkit/auth")
    return "tRPC resolveResponse or our direct call (incl. procedure, context)";
  if (ourFile(url, "@authkit/api", "trpc", "root", "routers", "meta", "headers"))
    return "tRPC resolveResponse or our direct call (incl. procedure, context)";
  if (pkg === "next") return "Next.js code";
  if (
    pkg.startsWith("@electric-sql/") ||
    pkg.startsWith("wasm://") ||
    pkg.startsWith("@prisma/") ||
    pkg === "pg" ||
    pkg === "pglite-prisma-adapter" ||
    pkg === "@authkit/db"
  )
    return "database (PGlite, Prisma, pg)";
  if (pkg.startsWith("@authkit/")) return "custom-server dispatch (listener, Next's presence)";
  return undefined;
}

/** Sampled µs per layer within [from, to] (monotonic µs), idle time left out. */
export function layerTimes(
  profile: LayerProfile,
  window: readonly [number, number],
): Map<Layer, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const layerOf = new Map<number, Layer | null>();
  const classify = (leaf: number): Layer | null => {
    const cached = layerOf.get(leaf);
    if (cached !== undefined) return cached;
    const stack: Frame[] = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (node) stack.push(node.callFrame);
    }
    let layer: Layer | null = null;
    if (stack[0]?.functionName === "(idle)") layer = null;
    else
      layer =
        stack.map(markerLayer).find((l) => l !== undefined) ??
        stack.map(packageLayer).find((l) => l !== undefined) ??
        "node:http parser and sockets (shared)";
    layerOf.set(leaf, layer);
    return layer;
  };
  const times = new Map<Layer, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    const delta = Math.max(0, deltas[i] ?? 0);
    at += delta;
    if (at < window[0] || at > window[1]) continue;
    const layer = classify(samples[i] as number);
    if (layer) times.set(layer, (times.get(layer) ?? 0) + delta);
  }
  return times;
}

/** CPU µs per request of each layer (main thread, sampled), and their sum. */
export function layersPerRequest(
  profileFile: string,
  window: readonly [number, number],
  requests: number,
): Map<Layer | "total", number> {
  const profile = JSON.parse(readFileSync(profileFile, "utf8")) as LayerProfile;
  const times = layerTimes(profile, window);
  const perRequest = new Map<Layer | "total", number>();
  let total = 0;
  for (const layer of LAYERS) {
    const micros = (times.get(layer) ?? 0) / Math.max(1, requests);
    perRequest.set(layer, micros);
    total += micros;
  }
  perRequest.set("total", total);
  return perRequest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: "string", default: "0" },
      to: { type: "string", default: String(Number.MAX_SAFE_INTEGER) },
      requests: { type: "string", default: "1" },
    },
  });
  for (const profileFile of positionals) {
    const table = layersPerRequest(
      profileFile,
      [Number(values.from), Number(values.to)],
      Number(values.requests),
    );
    for (const [layer, micros] of table) console.log(`${micros.toFixed(1).padStart(8)}  ${layer}`);
  }
}
