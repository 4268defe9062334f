/**
 * A standalone API server (no Next): the node-adapter mount on plain `node:http`. Used for
 * API-only deployments, the multi-instance tests and the benchmarks.
 *
 *   node --import tsx packages/api/src/server.ts   (configuration from the environment)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

import { loadConfig, type Config } from "@authkit/config";
import { migrate } from "@authkit/db/migrate";

import { createApp, type App } from "./app";
import { createNodeListener } from "./http/node";

export interface ApiServer {
  app: App;
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(
  config: Config,
  { host = "127.0.0.1" } = {},
): Promise<ApiServer> {
  const app = await createApp(config, { migrate });
  const server = createServer(
    createNodeListener(app, (_req, res) =>
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}'),
    ),
  );
  await new Promise<void>((resolve) => server.listen(config.port, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    app,
    server,
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  const api = await startApiServer(loadConfig(process.env));
  api.app.logger.info({ url: api.url }, `API listening on ${api.url}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void api.close().finally(() => process.exit(0)));
  }
}
