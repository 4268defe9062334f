import "server-only";

import { createApp, provideApp, type App } from "@authkit/api";
import { loadConfig } from "@authkit/config";

/**
 * The process's one App: the custom server (`pnpm start`, `pnpm dev`) creates it before Next
 * starts and Next's bundles (route handlers, instrumentation) find it; under `next start` the
 * first of them creates it. A second PGlite on the same directory would corrupt it, and in
 * development a reloaded route module must not open the database again.
 */
export function getApp(): Promise<App> {
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  return provideApp(() => createApp(loadConfig(process.env)));
}
