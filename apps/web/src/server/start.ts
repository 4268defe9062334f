import "server-only";

import { loadConfig } from "@authkit/config";

/**
 * Node runtime only (see instrumentation.ts): the configuration parses, or the process ends here
 * with the message. Nothing here creates the App. Under `next start` the first route handler
 * creates it (./app.ts): the instrumentation bundle has its own copies of the packages, and an
 * App built from them would throw errors the route handlers' `instanceof` checks do not
 * recognise. Under the custom server (`pnpm start`, `pnpm dev`) server.ts created it before Next
 * started, from the configuration as it stood then (a development secret generated for the
 * embedded default included), and put it in the slot `provideApp` of @authkit/api keeps. Next
 * has since set NODE_ENV to production, so parsing again here would judge a configuration nobody
 * runs: the slot being filled is how this file tells the two apart.
 */
const customServerApp = Symbol.for("authkit.app") in globalThis;

try {
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  if (!customServerApp) loadConfig(process.env);
} catch (error) {
  // The message names every bad variable; a stack trace would only bury it.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
