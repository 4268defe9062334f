/**
 * The one Node process of `pnpm start` and `pnpm dev`.
 *
 * Production: the API (/api/*, /.well-known/jwks.json) is answered by the API's own handler,
 * at a fraction of a Next route handler's cost; every other request goes to Next. `pnpm start`
 * runs it compiled (dist/server.js, built with the workspace packages by `pnpm build`).
 *
 * Development (`pnpm dev`, this source through tsx): everything goes to Next, the API included
 * (its route handlers), so that an edited router or procedure is recompiled and served without
 * a restart. The App (database, auth core) is still created here, once, and shared with those
 * route handlers.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import next from "next";

import {
  createCustomServerMark,
  createHttpServer,
  createNodeListener,
  provideApp,
  provideCustomServerMark,
} from "@authkit/api";
import { exitOnSignals, listen, ListenError } from "@authkit/api/shutdown";
import { exitOnStartupError, startApp } from "@authkit/api/startup";
import { attachLiveSockets } from "@authkit/api/websocket";
import { openMigrated } from "@authkit/db/embedded";

import { markServing } from "./serving";

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
// Shared with Next's route handlers, which must not open a second database.
await provideApp(() => Promise.resolve(app));
// Next's /api route handlers serve only what this server hands them, marked with the client
// address it read from the socket; any other request reaching them answers 404 (issue 23, #4).
const mark = createCustomServerMark();
provideCustomServerMark(mark);

const dir = appDir();
if (!dev) applyBuiltNextConfig(dir);
// Next listens for upgrades on the server its first request arrived on, and ends every one that
// is not its own (its hot-reload socket), /api/trpc included. Handing it a server of its own
// that never listens keeps it off ours: that server only hears the upgrades passed on below.
const nextUpgrades = createServer();
const nextApp = next({ dev, dir, port: config.port, httpServer: nextUpgrades });
const handleNext = nextApp.getRequestHandler();
await nextApp.prepare();

// One access-log line per request, pages included (x-request-id in and out); the HTTP_* timeouts
// and connection caps (slowloris) on every socket, pages and hot reload included.
const server = createHttpServer(
  config,
  createNodeListener(app, (req, res) => void handleNext(req, res), { serveApi: !dev, mark }),
);
// Live subscriptions over WebSocket (ws://host/api/trpc?ticket=…), in both modes: Next's route
// handlers cannot take an upgrade. Every other upgrade is Next's (in development, its hot
// reload); Next starts listening with the first page request, and nothing comes before that.
const sockets = attachLiveSockets(server, app, {
  fallback: (req, socket, head) => {
    if (nextUpgrades.listenerCount("upgrade") > 0) nextUpgrades.emit("upgrade", req, socket, head);
    else socket.destroy();
  },
});
app.metrics.observe({
  liveConnections: () => ({ sse: app.inFlight.streams, ws: sockets.size }),
});
const bound = await listen(server, config.port).catch(async (error: unknown) => {
  if (!(error instanceof ListenError)) throw error;
  logger.fatal(error.message);
  await app.close();
  process.exit(1);
});
// `pnpm build` refuses to rebuild .next while this process serves it (./serving.ts).
const unmark = dev ? () => undefined : markServing(dir);
logger.info(
  {
    listening: bound,
    url: config.appUrl,
    mode: dev ? "development" : "production",
    database: app.db.kind,
    revocation: app.auth.store.name,
    rateLimiter: app.auth.rateLimiter.name,
  },
  `Ready on ${bound} (APP_URL ${config.appUrl})`,
);

exitOnSignals({
  server,
  app,
  logger,
  timeoutSeconds: config.shutdownTimeout,
  closeSockets: () => sockets.close(),
  closeOthers: async () => {
    await nextApp.close();
    unmark();
  },
});
