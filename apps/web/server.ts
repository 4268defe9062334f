/**
 * The one Node process of `pnpm start` and `pnpm dev`.
 *
 * Production: the API (/api/*, /.well-known/jwks.json) is answered by the API's own handler,
 * at a fraction of a Next route handler's cost; every other request goes to Next.
 *
 * Development: everything goes to Next, the API included (its route handlers), so that an
 * edited router or procedure is recompiled and served without a restart. The App (database,
 * auth core) is still created here, once, and shared with those route handlers.
 */
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";

import next from "next";

import { createApp, createNodeListener, provideApp } from "@authkit/api";
import { loadConfig } from "@authkit/config";
import { migrate } from "@authkit/db/migrate";

const dev = process.argv.includes("--dev");
// eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
const config = loadConfig(process.env);
// Shared with Next's route handlers, which must not open a second database.
const app = await provideApp(() => createApp(config, { migrate }));

const nextApp = next({ dev, dir: fileURLToPath(new URL(".", import.meta.url)), port: config.port });
const handleNext = nextApp.getRequestHandler();
await nextApp.prepare();

// One access-log line per request, pages included (x-request-id in and out).
const server = createServer(
  createNodeListener(app, (req, res) => void handleNext(req, res), { serveApi: !dev }),
);
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
