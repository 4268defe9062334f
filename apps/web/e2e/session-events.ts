/**
 * The page's live `session.events` stream: wait for it, keep it from ever arriving, or follow a
 * revocation through it to /login. A revocation's latency is measured and reported, never
 * asserted: on a loaded machine the server's render of /login alone can take seconds, and speed
 * belongs to `pnpm bench`.
 */
import { expect, type BrowserContext, type Page, type TestInfo } from "@playwright/test";

/** Waits on a condition with no window of their own: the test's timeout is the backstop. */
export const UNTIL_DONE = { timeout: 0 };

/**
 * Holds every `session.events` request of a browser context open without an answer: the app
 * behaves as behind a proxy that never lets an event stream through, and learns of revocations
 * only from its own requests.
 */
export async function stallSessionEvents(context: BrowserContext): Promise<void> {
  await context.route(/\/api\/trpc\/session\.events/, () => undefined);
}

/** Resolves once the page's live session stream is up (the server is watching the session). */
export async function sessionEventsLive(page: Page, timeout = 10_000): Promise<void> {
  await expect(page.locator("html")).toHaveAttribute("data-session-events", "live", { timeout });
}

/**
 * Starts watching a page for the moment it signs out: the `<html>` attribute the app sets from
 * its session stream's status turns `off`. Read with `signedOutAt`.
 */
export async function watchSignOut(page: Page): Promise<void> {
  await page.evaluate(() => {
    const root = document.documentElement;
    const record = () => {
      if (root.dataset.sessionEvents === "off" && !root.dataset.signedOutAt)
        root.dataset.signedOutAt = String(Date.now());
    };
    new MutationObserver(record).observe(root, { attributes: true });
  });
}

/**
 * The page signs out, then lands on /login showing `message`: the order and the cause. Returns
 * the times (ms after `since`, on the machine's clock) it signed out and arrived.
 */
export async function leavesForLogin(page: Page, message: string, since: number) {
  await expect(page).toHaveURL(/\/login/, UNTIL_DONE);
  const arrived = Date.now() - since;
  await expect(page.getByText(message)).toBeVisible(UNTIL_DONE);
  // A soft navigation: the document that watched the sign-out is still the page's.
  const signedOutAt = Number(await page.locator("html").getAttribute("data-signed-out-at"));
  expect(signedOutAt, "the tab signed out before it left").toBeGreaterThan(0);
  const signedOut = signedOutAt - since;
  expect(signedOut).toBeLessThanOrEqual(arrived);
  return { signedOut, arrived };
}

/** Reports what a revocation took, as an annotation of the test (see the file's comment). */
export function reportLatency(
  testInfo: TestInfo,
  label: string,
  times: Record<string, number>,
): void {
  const parts = Object.entries(times).map(([what, ms]) => `${what} ${ms} ms`);
  testInfo.annotations.push({
    type: "revocation latency",
    description: `${label}: ${parts.join(", ")}`,
  });
}
