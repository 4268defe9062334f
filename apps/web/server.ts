/**
 * The production server: one Node process. The API (/api/trpc) is answered by tRPC's node
 * adapter directly, at a fraction of a Next route handler's cost; every other request goes
 * to Next's request handler.
 *
 * `pnpm start` runs it compiled (dist/server.js, built with the workspace packages by
 * `pnpm build`); `pnpm dev` runs this source through tsx.
 */
import { existsSync, readFileSync } from "node:fs";
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

/**
 * In production, hand Next the configuration `next build` serialized, the way Next's own
 * standalone server does: otherwise every start compiles next.config.ts with SWC, which costs
 * 0.1–0.4 s and keeps SWC's 24 MiB native module resident (BENCHMARKS.md, "Memory").
 */
function applyBuiltNextConfig(dir: string): void {
  try {
    const file = join(dir, ".next", "required-server-files.json");
    const { config } = JSON.parse(readFileSync(file, "utf8")) as { config: unknown };
    // eslint-disable-next-line no-restricted-properties -- Next's interface, not our configuration
    process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
  } catch {
    // No build output: Next reports that itself.
  }
}

const { config, logger, app } = await startApp(
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  process.env,
  { isTTY: process.stdout.isTTY, open: openMigrated },
).catch(exitOnStartupError);
(globalThis as { __authkitApp?: Promise<typeof app> }).__authkitApp = Promise.resolve(app);

const handleApi = createNodeApiHandler(app);
const dir = appDir();
if (!dev) applyBuiltNextConfig(dir);
const nextApp = next({ dev, dir, port: config.port });
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
