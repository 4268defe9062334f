/**
 * Makes the page's access token expire now, without waiting for it: the page's clock jumps to
 * the token's expiry (the lifetime the tab itself reports), so its client finds the token
 * unusable and takes the refresh path on its next call. Only the page's wall clock moves: its
 * timers, the server's clock and the cookie jar are untouched.
 */
import type { Page } from "@playwright/test";

import { CHANNEL, hasControllableClock } from "./page-session";

export async function expireAccessToken(page: Page): Promise<void> {
  if (!(await hasControllableClock(page)))
    throw new Error(
      "expireAccessToken: the page's clock cannot be moved. Use the test's own `page`/`signedInPage` (prepared before it loads), or call `context.clock.install()` before the page loads the app.",
    );
  const remainingMs = await page.evaluate(
    (channelName) =>
      new Promise<number | null>((resolve) => {
        const channel = new BroadcastChannel(channelName);
        const timer = setTimeout(() => resolve(null), 1_000);
        channel.addEventListener("message", (event: MessageEvent<unknown>) => {
          const data = event.data as { type?: unknown; remainingMs?: unknown } | null;
          if (data?.type !== "session" || typeof data.remainingMs !== "number") return;
          clearTimeout(timer);
          channel.close();
          resolve(data.remainingMs);
        });
        channel.postMessage({ type: "hello" });
      }),
    CHANNEL,
  );
  if (remainingMs === null)
    throw new Error("expireAccessToken: no tab of the page holds an access token (signed out?)");
  const now = await page.evaluate(() => Date.now());
  await page.clock.setSystemTime(now + remainingMs + 1_000);
}
