/**
 * Runs once when Next starts, before it serves anything. Under `next start` (no custom server)
 * this is where the App is created, so a configuration error stops start-up with its message
 * instead of "Ready" followed by a 500 on every API call. Under the custom server the App
 * already exists and this finds it.
 */
export async function register(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- Next's runtime marker, not configuration
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./server/start");
}
