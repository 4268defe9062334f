/**
 * The route table's entries (../http/routes) as operations: one per path and method, with the
 * entry's body, responses and security. The `trpc` entry is the router's procedures
 * (./trpc-operations); the WebSocket upgrade is described as the GET it starts with.
 */
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from "zod-openapi";

import type { HttpRoute, RouteResponse, RouteSecurity } from "../http/routes";

export type RouteEntry = HttpRoute & { id: string };

/** Security schemes (./security) each requirement of the table is met with. */
const SCHEMES: Readonly<Record<RouteSecurity, readonly string[]>> = {
  bearer: ["oauth2Password", "bearerJwt"],
  refreshCookie: ["refreshCookie"],
  ticket: ["ticket"],
  metricsToken: ["metricsToken"],
  // A browser form's origin check is a CSRF defence, not a credential: the route is public.
  sameOrigin: [],
};

/** Alternatives (OR) of one requirement each; several requirements would need all (AND). */
export function routeSecurity(security: readonly RouteSecurity[]): Record<string, string[]>[] {
  const required = security.filter((s) => SCHEMES[s].length > 0);
  if (required.length === 0) return [];
  if (required.length === 1) return SCHEMES[required[0]!].map((name) => ({ [name]: [] }));
  return [Object.fromEntries(required.map((s) => [SCHEMES[s][0]!, []]))];
}

function response({ description, contentType, schema, headers }: RouteResponse) {
  return {
    description,
    ...(headers
      ? {
          headers: Object.fromEntries(
            Object.entries(headers).map(([name, meaning]) => [
              name,
              { description: meaning, schema: { type: "string" as const } },
            ]),
          ),
        }
      : {}),
    ...(contentType ? { content: { [contentType]: schema ? { schema } : {} } } : {}),
  };
}

function operation(route: RouteEntry, method: string, many: boolean): ZodOpenApiOperationObject {
  return {
    operationId: many ? `${route.id}${method[0]!.toUpperCase()}${method.slice(1)}` : route.id,
    tags: [route.kind === "websocket" ? "live" : "http"],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: routeSecurity(route.security),
    ...(route.input && method !== "get" && method !== "head"
      ? {
          requestBody: {
            required: true,
            content: { [route.input.contentType]: { schema: route.input.schema } },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(route.responses).map(([status, r]) => [status, response(r)]),
    ),
  };
}

/** Path items for every entry but the `trpc` prefix; each path once, its methods merged. */
export function routePaths(routes: readonly RouteEntry[]): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    if (route.kind === "trpc") continue;
    const item: Record<string, ZodOpenApiOperationObject> = {
      ...(paths[route.path] as Record<string, ZodOpenApiOperationObject> | undefined),
    };
    const methods = route.methods.map((m) => m.toLowerCase());
    for (const method of methods) item[method] = operation(route, method, methods.length > 1);
    paths[route.path] = item;
  }
  return paths;
}
