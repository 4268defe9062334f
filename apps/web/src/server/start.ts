import "server-only";

import { loadConfig } from "@authkit/config";

/**
 * Node runtime only (see instrumentation.ts): the configuration parses, or the process ends
 * here with the message. The App itself is created by the first route handler: the
 * instrumentation bundle has its own copies of the packages, and an App built from them would
 * throw errors the route handlers' `instanceof` checks do not recognise.
 */
try {
  // eslint-disable-next-line no-restricted-properties -- process entry: config is parsed once here
  loadConfig(process.env);
} catch (error) {
  // The message names every bad variable; a stack trace would only bury it.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
