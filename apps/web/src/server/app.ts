import "server-only";

import { createApp, type App } from "@authkit/api";
import { loadConfig } from "@authkit/config";

/**
 * One App per process, found through `globalThis`: the custom server (`pnpm start`,
 * `pnpm dev`) creates it before Next starts, and Next's bundles (route handlers,
 * instrumentation) reuse it. A second PGlite on the same directory would corrupt it, and in
 * development a reloaded route module must not open the database again.
 */
const globalForApp = globalThis as unknown as { __authkitApp?: Promise<App> };

export function getApp(): Promise<App> {
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  globalForApp.__authkitApp ??= createApp(loadConfig(process.env));
  return globalForApp.__authkitApp;
}
