/**
 * Runs once when Next starts, before it serves anything. It creates no App: it only parses the
 * configuration (./server/start), so that under `next start` a configuration error stops
 * start-up with its message instead of "Ready" followed by a 500 on every API call. Who creates
 * the App: the custom server (`pnpm start`, `pnpm dev`, server.ts) before Next starts; under
 * `next start` alone, the first API request, through the route handler (./server/app.ts).
 */
export async function register(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- Next's runtime marker, not configuration
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./server/start");
}
