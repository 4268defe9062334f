/**
 * What a test learns from inside a page about its Authkit session, through the browser client's
 * own cross-tab protocol (@authkit/client: a BroadcastChannel named `authkit-auth`): a tab that
 * holds a fresh access token answers `hello` with it, and a tab that signs out says
 * `signedOut`. Nothing is read from the app's markup, so this works for any app on the client.
 */
import type { BrowserContext, Page } from "@playwright/test";

/** The client's default channel name (AuthClientOptions.name). */
export const CHANNEL = "authkit-auth";

export interface SignOutRecord {
  reason: string;
  cause: string | null;
}

const recording = new WeakSet<BrowserContext>();

/** Records the first `signedOut` any tab of the page's origin announces, from the page's start. */
function recordSignOut(channelName: string): void {
  const holder = window as unknown as { __authkitSignedOut?: SignOutRecord | null };
  holder.__authkitSignedOut = null;
  const channel = new BroadcastChannel(channelName);
  channel.addEventListener("message", (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; reason?: unknown; cause?: unknown } | null;
    if (data?.type !== "signedOut" || holder.__authkitSignedOut) return;
    holder.__authkitSignedOut = {
      reason: String(data.reason),
      cause: typeof data.cause === "string" ? data.cause : null,
    };
  });
}

/** From the next page load on, the context's pages record sign-outs. Idempotent. */
export async function recordSignOuts(context: BrowserContext): Promise<void> {
  if (recording.has(context)) return;
  recording.add(context);
  await context.addInitScript(recordSignOut, CHANNEL);
}

export function recordsSignOuts(context: BrowserContext): boolean {
  return recording.has(context);
}

/**
 * Prepares the test's own context before its pages load: sign-outs are recorded, and the page
 * clock becomes controllable (time still flows as usual until a test moves it, see
 * expireAccessToken). It must come before the app loads: the client keeps the clock it found.
 */
export async function instrument(context: BrowserContext): Promise<void> {
  await recordSignOuts(context);
  await context.clock.install();
}

/** Whether the page's clock is Playwright's (installed before the page loaded). */
export function hasControllableClock(page: Page): Promise<boolean> {
  return page.evaluate(() => "__pwClock" in globalThis);
}

/** The sign-out the page has seen announced since it loaded, or null. */
export async function signOutRecord(page: Page): Promise<SignOutRecord | null> {
  return page.evaluate(
    () =>
      (window as unknown as { __authkitSignedOut?: SignOutRecord | null }).__authkitSignedOut ??
      null,
  );
}

/**
 * The access token a tab of the page's origin holds, asked for as a new tab of the app would
 * (`hello`); null when no tab answers within `waitMs` (none holds a token that is still usable).
 */
export async function heldAccessToken(page: Page, waitMs = 1_000): Promise<string | null> {
  return page.evaluate(
    ({ channelName, waitMs }) =>
      new Promise<string | null>((resolve) => {
        const channel = new BroadcastChannel(channelName);
        const done = (token: string | null) => {
          clearTimeout(timer);
          channel.close();
          resolve(token);
        };
        const timer = setTimeout(() => done(null), waitMs);
        channel.addEventListener("message", (event: MessageEvent<unknown>) => {
          const data = event.data as { type?: unknown; accessToken?: unknown } | null;
          if (data?.type === "session" && typeof data.accessToken === "string")
            done(data.accessToken);
        });
        channel.postMessage({ type: "hello" });
      }),
    { channelName: CHANNEL, waitMs },
  );
}

/** Tells every tab of the page's origin that the session is over, as the client's logout does. */
export async function announceSignOut(page: Page): Promise<void> {
  await page.evaluate((channelName) => {
    const channel = new BroadcastChannel(channelName);
    channel.postMessage({ type: "signedOut", reason: "logout" });
    channel.close();
  }, CHANNEL);
}
