/**
 * A standalone API server (no Next): the API handler on plain `node:http`. Used for
 * API-only deployments, the multi-instance tests and the benchmarks.
 *
 *   pnpm --filter @authkit/api build
 *   node --conditions=authkit-dist packages/api/dist/server.js   (configuration from the environment)
 */
import type { Server } from "node:http";
import { pathToFileURL } from "node:url";

import { openMigrated } from "@authkit/db/embedded";

import type { App } from "./app";
import { createHttpServer } from "./http/http-server";
import { createNodeListener } from "./http/node";
import { attachLiveSockets, type LiveSocketServer } from "./http/websocket";
import { exitOnSignals, listen, ListenError } from "./shutdown";
import { exitOnStartupError, startApp } from "./startup";

export interface ApiServer {
  app: App;
  server: Server;
  /** The address bound, e.g. http://127.0.0.1:4203. */
  url: string;
  sockets: LiveSocketServer;
  close(): Promise<void>;
}

/** Listens on `app.config.port` (0: any free port) and resolves once it does. */
export async function serveApi(app: App, { host = "127.0.0.1" } = {}): Promise<ApiServer> {
  const server = createHttpServer(
    app.config,
    createNodeListener(app, (_req, res) =>
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}'),
    ),
  );
  // Live subscriptions over WebSocket on the same path as HTTP: ws://host/api/trpc?ticket=…
  const sockets = attachLiveSockets(server, app);
  app.metrics.observe({
    liveConnections: () => ({ sse: app.inFlight.streams, ws: sockets.size }),
  });
  const url = await listen(server, app.config.port, host);
  return {
    app,
    server,
    url,
    sockets,
    close: async () => {
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { app, logger } = await startApp(
    // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
    process.env,
    { isTTY: process.stdout.isTTY, open: openMigrated },
  ).catch(exitOnStartupError);
  const api = await serveApi(app).catch(async (error: unknown) => {
    if (!(error instanceof ListenError)) throw error;
    logger.fatal(error.message);
    await app.close();
    process.exit(1);
  });
  logger.info(
    { listening: api.url, url: app.config.appUrl },
    `API listening on ${api.url} (APP_URL ${app.config.appUrl})`,
  );
  // A parent that started this process with an IPC channel (tests, the benchmark) learns the
  // address whatever LOG_LEVEL says (PORT=0 picks a free port).
  process.send?.({ listening: api.url });
  exitOnSignals({
    server: api.server,
    app,
    logger,
    timeoutSeconds: app.config.shutdownTimeout,
    closeSockets: () => api.sockets.close(),
  });
}
