/**
 * The production server: one Node process. The API (/api/trpc) is answered by tRPC's node
 * adapter directly, at a fraction of a Next route handler's cost; every other request goes
 * to Next's request handler.
 *
 * `pnpm start` runs it compiled (dist/server.js, built with the workspace packages by
 * `pnpm build`); `pnpm dev` runs this source through tsx.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import next from "next";

import { createNodeApiHandler, trackRequest } from "@authkit/api";
import { exitOnStartupError, startApp } from "@authkit/api/startup";
import { openMigrated } from "@authkit/db/embedded";

const dev = process.argv.includes("--dev");

/** apps/web, found from this file whether it runs as ./server.ts or ./dist/server.js. */
function appDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

const { config, logger, app } = await startApp(
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  process.env,
  { isTTY: process.stdout.isTTY, open: openMigrated },
).catch(exitOnStartupError);
(globalThis as { __authkitApp?: Promise<typeof app> }).__authkitApp = Promise.resolve(app);

const handleApi = createNodeApiHandler(app);
const nextApp = next({ dev, dir: appDir(), port: config.port });
const handleNext = nextApp.getRequestHandler();
await nextApp.prepare();

const server = createServer((req, res) => {
  // One structured log line per request, pages included (x-request-id in and out).
  trackRequest(app.logger, req, res);
  if (!handleApi(req, res)) void handleNext(req, res);
});
server.listen(config.port, () => {
  logger.info(
    {
      url: config.appUrl,
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
