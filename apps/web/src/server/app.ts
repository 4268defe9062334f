import "server-only";

import { createApp, provideApp, type App } from "@authkit/api";
import { loadConfig } from "@authkit/config";

/** The process's one App: the custom server's, or created here under `next start`. */
export function getApp(): Promise<App> {
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  return provideApp(() => createApp(loadConfig(process.env)));
}
