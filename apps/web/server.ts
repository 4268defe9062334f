/**
 * The one Node process of `pnpm start` and `pnpm dev`.
 *
 * Production: the API (/api/*, /.well-known/jwks.json) is answered by tRPC's node adapter
 * directly, at a fraction of a Next route handler's cost; every other request goes to Next.
 *
 * Development: everything goes to Next, the API included (its route handlers), so that an
 * edited router or procedure is recompiled and served without a restart. The App (database,
 * auth core) is still created here, once, and shared with those route handlers.
 */
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";

import next from "next";

import { createApp, createNodeApiHandler, trackRequest } from "@authkit/api";
import { loadConfig } from "@authkit/config";
import { migrate } from "@authkit/db/migrate";

const dev = process.argv.includes("--dev");
// eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
const config = loadConfig(process.env);
const appPromise = createApp(config, { migrate });
// Found by src/server/app.ts in Next's bundles (route handlers, instrumentation).
(globalThis as { __authkitApp?: typeof appPromise }).__authkitApp = appPromise;
const app = await appPromise;

const handleApi = dev ? () => false : createNodeApiHandler(app);
const nextApp = next({ dev, dir: fileURLToPath(new URL(".", import.meta.url)), port: config.port });
const handleNext = nextApp.getRequestHandler();
await nextApp.prepare();

/** In development the API's route handlers write its log lines (through the fetch mount). */
const loggedByRouteHandler = (url = "/") =>
  dev && (url.startsWith("/api/") || url.startsWith("/.well-known/"));

const server = createServer((req, res) => {
  // One structured log line per request, pages included (x-request-id in and out).
  if (!loggedByRouteHandler(req.url)) trackRequest(app.logger, req, res);
  if (!handleApi(req, res)) void handleNext(req, res);
});
server.listen(config.port, () => {
  app.logger.info(
    {
      url: config.appUrl,
      mode: dev ? "development" : "production",
      database: app.db.kind,
      revocation: app.auth.store.name,
      rateLimiter: app.auth.rateLimiter.name,
    },
    `Ready on ${config.appUrl}`,
  );
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    void Promise.all([nextApp.close(), app.close()]).finally(() => process.exit(0));
  });
}
