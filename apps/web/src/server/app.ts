import "server-only";

import { createApp, provideApp, type App } from "@authkit/api";
import { loadConfig } from "@authkit/config";

/**
 * The process's one App: the custom server (`pnpm start`, `pnpm dev`) creates it before Next
 * starts and Next's route handlers find it; under `next start` the first API request creates it
 * here (instrumentation only parses the configuration, see ./start.ts). A second PGlite on the
 * same directory would corrupt it, and in development a reloaded route module must not open the
 * database again.
 */
export function getApp(): Promise<App> {
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  return provideApp(() => createApp(loadConfig(process.env)));
}
