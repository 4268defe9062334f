/**
 * The handlers of `GET /api/openapi.json` and `/api/docs`: the document is generated once, on
 * start (when the API handler is built), and served from memory after that.
 */
import { refreshCookieName } from "@authkit/auth";

import { HTTP_ROUTES, OAUTH_TOKEN_PATH, TRPC_PATH } from "../http/routes";
import { PUBLIC_PROCEDURES, appRouter } from "../root";
import { DOCS_ASSETS, DOCS_CSP, DOCS_HTML, loadDocsAssets, type DocsAsset } from "./docs-page";
import { buildOpenApiDocument } from "./document";
import { listProcedures } from "./procedures";
import { PROCEDURE_SUMMARIES } from "./summaries";
import type { Access } from "./trpc-operations";

const PUBLIC: ReadonlySet<string> = new Set(PUBLIC_PROCEDURES);

/** Who may call a procedure: root.ts's public list, the admin router, everyone else signed in. */
export function procedureAccess(path: string): Access {
  if (path === "auth.refresh") return "refreshCookie";
  if (PUBLIC.has(path)) return "public";
  return path.startsWith("admin.") ? "admin" : "user";
}

/** The document of this server (`secureCookies` names the refresh cookie). */
export function openApiDocument(settings: { secureCookies: boolean }) {
  return buildOpenApiDocument({
    procedures: listProcedures(appRouter),
    routes: HTTP_ROUTES,
    access: procedureAccess,
    summaries: PROCEDURE_SUMMARIES,
    trpcPath: TRPC_PATH,
    tokenPath: OAUTH_TOKEN_PATH,
    refreshCookie: refreshCookieName(settings.secureCookies),
    version: "1.0.0",
  });
}

const notAllowed = () =>
  new Response("Method not allowed, use GET\n", {
    status: 405,
    headers: { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
  });

function answer(request: Request, body: string, headers: Record<string, string>): Response {
  if (request.method !== "GET" && request.method !== "HEAD") return notAllowed();
  return new Response(request.method === "HEAD" ? null : body, { status: 200, headers });
}

export function createOpenApiHandlers(settings: { secureCookies: boolean }) {
  // At start: a schema the generator cannot render fails the start, not a later request.
  const documentJson = JSON.stringify(openApiDocument(settings));
  let assets: Readonly<Record<DocsAsset, string>> | undefined;
  return {
    document(request: Request): Response {
      return answer(request, documentJson, {
        "content-type": "application/json",
        "cache-control": "public, max-age=60",
        "access-control-allow-origin": "*",
      });
    },
    page(request: Request): Response {
      return answer(request, DOCS_HTML, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": DOCS_CSP,
      });
    },
    asset(request: Request, name: DocsAsset): Response {
      assets ??= loadDocsAssets();
      const type = name === "init.js" ? "text/javascript" : DOCS_ASSETS[name];
      return answer(request, assets[name], {
        "content-type": `${type}; charset=utf-8`,
        "cache-control": "public, max-age=3600",
      });
    },
  };
}

export type OpenApiHandlers = ReturnType<typeof createOpenApiHandlers>;
