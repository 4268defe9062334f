/**
 * The OpenAPI 3.1 document, generated from the router's zod schemas and the route table, never
 * written by hand. Built once per process (./openapi-handlers caches it).
 */
import { createDocument, type ZodOpenApiObject } from "zod-openapi";

import type { ProcedureEntry } from "./procedures";
import { routePaths, type RouteEntry } from "./route-operations";
import { trpcErrorResponses } from "./trpc-errors";
import { trpcPaths, type Access } from "./trpc-operations";

export interface DocumentSource {
  procedures: readonly ProcedureEntry[];
  routes: readonly RouteEntry[];
  access: (path: string) => Access;
  summaries: Readonly<Record<string, string>>;
  /** The tRPC endpoint (`/api/trpc`). */
  trpcPath: string;
  tokenPath: string;
  /** The refresh cookie's name (`__Secure-` prefixed behind https). */
  refreshCookie: string;
  version: string;
}

function securitySchemes(source: Pick<DocumentSource, "tokenPath" | "refreshCookie">) {
  return {
    oauth2Password: {
      type: "oauth2" as const,
      description:
        "Email and password at the token endpoint (no client secret; `client_id` may be empty).",
      flows: {
        password: { tokenUrl: source.tokenPath, refreshUrl: source.tokenPath, scopes: {} },
      },
    },
    bearerJwt: {
      type: "http" as const,
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "An access token from `auth.login` or the token endpoint.",
    },
    refreshCookie: {
      type: "apiKey" as const,
      in: "cookie" as const,
      name: source.refreshCookie,
      description: "The HttpOnly refresh cookie `auth.login` sets (browsers).",
    },
    ticket: {
      type: "apiKey" as const,
      in: "query" as const,
      name: "ticket",
      description: "A single-use ticket from `auth.ticket`, for live streams.",
    },
    metricsToken: {
      type: "http" as const,
      scheme: "bearer",
      description: "`METRICS_TOKEN`, for Prometheus.",
    },
  };
}

export function buildOpenApiDocument(source: DocumentSource): ReturnType<typeof createDocument> {
  const spec: ZodOpenApiObject = {
    openapi: "3.1.0",
    info: {
      title: "Authkit API",
      version: source.version,
      description:
        "Generated from the server's schemas. tRPC procedures are plain HTTP: queries are GET " +
        "with `?input=<JSON>`, mutations POST with a JSON body (`{}` when there is no input). " +
        "See docs/api.md.",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [{ url: "/", description: "The server this document was served from" }],
    tags: [
      { name: "auth", description: "Sign-in, sessions, passwords, email verification" },
      { name: "user", description: "The caller's account" },
      { name: "session", description: "The caller's sessions" },
      { name: "admin", description: "Administration (admin role)" },
      { name: "health", description: "tRPC liveness" },
      { name: "http", description: "OAuth 2.0, JWKS, forms, probes and this document" },
      { name: "live", description: "Live subscriptions (docs/websocket.md)" },
    ],
    paths: {
      ...trpcPaths(source.procedures, {
        endpoint: source.trpcPath,
        access: source.access,
        summaries: source.summaries,
      }),
      ...routePaths(source.routes),
    },
    components: { securitySchemes: securitySchemes(source), responses: trpcErrorResponses() },
  };
  return createDocument(spec, {
    allowEmptySchema: { custom: true },
    // OpenAPI's discriminator names a string property; `mfaRequired` is a boolean, and
    // generators that trust the mapping would type it as the string "true" (never).
    override: ({ jsonSchema }) => {
      const discriminator = jsonSchema.discriminator as { mapping?: object } | undefined;
      const mapping = discriminator?.mapping ?? {};
      if (Object.keys(mapping).some((value) => value === "true" || value === "false"))
        delete jsonSchema.discriminator;
    },
  });
}
