/**
 * The interactive reference at /api/docs: Swagger UI from the swagger-ui-dist package, served by
 * us (no CDN), under a CSP of its own that allows our scripts and styles and nothing foreign.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const DOCS_PATH = "/api/docs";
export const OPENAPI_PATH = "/api/openapi.json";

/** Swagger UI sets inline styles; everything else is this origin's. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Files of the package the page loads, by the name they are served under. */
export const DOCS_ASSETS = {
  "swagger-ui.css": "text/css",
  "swagger-ui-bundle.js": "text/javascript",
} as const;

export type DocsAsset = keyof typeof DOCS_ASSETS | "init.js";

export const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Authkit API reference</title>
    <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/init.js"></script>
  </body>
</html>
`;

/** A file, not an inline script: the CSP allows no inline script. */
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
});
`;

/** Reads the package's files once. */
export function loadDocsAssets(): Readonly<Record<DocsAsset, string>> {
  const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const files = Object.fromEntries(
    Object.keys(DOCS_ASSETS).map((name) => [name, readFileSync(join(dir, name), "utf8")]),
  ) as Record<keyof typeof DOCS_ASSETS, string>;
  return { ...files, "init.js": INIT_JS };
}
