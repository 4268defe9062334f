import "server-only";

import { createApp, type App } from "@authkit/api";
import { loadConfig } from "@authkit/config";

/**
 * One App per process. The custom server creates it before Next starts and Next's bundles
 * (route handlers) find it here: a second PGlite on the same directory would corrupt it.
 */
const globalForApp = globalThis as unknown as { __authkitApp?: Promise<App> };

export function getApp(): Promise<App> {
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  globalForApp.__authkitApp ??= createApp(loadConfig(process.env));
  return globalForApp.__authkitApp;
}

export function setApp(app: Promise<App>): void {
  globalForApp.__authkitApp = app;
}
