/**
 * A standalone API server (no Next): the API handler on plain `node:http`. Used for
 * API-only deployments, the multi-instance tests and the benchmarks.
 *
 *   pnpm --filter @authkit/api build
 *   node --conditions=authkit-dist packages/api/dist/server.js   (configuration from the environment)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

import { openMigrated } from "@authkit/db/embedded";

import type { App } from "./app";
import { createNodeListener } from "./http/node";
import { attachLiveSockets } from "./http/websocket";
import { exitOnStartupError, startApp } from "./startup";

export interface ApiServer {
  app: App;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Listens on `app.config.port` (0: any free port) and resolves once it does. */
export async function serveApi(app: App, { host = "127.0.0.1" } = {}): Promise<ApiServer> {
  const server = createServer(
    createNodeListener(app, (_req, res) =>
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}'),
    ),
  );
  // Live subscriptions over WebSocket on the same path as HTTP: ws://host/api/trpc?ticket=…
  const sockets = attachLiveSockets(server, app);
  await new Promise<void>((resolve) => server.listen(app.config.port, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    app,
    server,
    url: `http://${host}:${port}`,
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
  const api = await serveApi(app);
  logger.info({ url: api.url }, `API listening on ${api.url}`);
  // A parent that started this process with an IPC channel (tests, the benchmark) learns the
  // address whatever LOG_LEVEL says (PORT=0 picks a free port).
  process.send?.({ listening: api.url });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void api.close().finally(() => process.exit(0)));
  }
}
