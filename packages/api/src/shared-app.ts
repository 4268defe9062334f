import type { App } from "./app";

/** Survives Next's separate module graphs: the custom server and route bundles see one slot. */
// apps/web/src/server/start.ts reads the same slot to tell the custom server from `next start`.
const SLOT = Symbol.for("authkit.app");

/**
 * The one App of a process. The custom server creates it before Next starts, and Next's route
 * handlers (bundled separately) find it here: a second App would open a second PGlite on the
 * same directory and corrupt it. Under `next start` alone, the first caller creates it.
 */
export function provideApp(create: () => Promise<App>): Promise<App> {
  const slot = globalThis as { [SLOT]?: Promise<App> };
  return (slot[SLOT] ??= create());
}
