/**
 * For the live-revocation promise: the page's client announces that its session ended (the
 * `signedOut` message of @authkit/client, recorded from the moment the page loaded), before
 * `ms` have passed. `ms` is a ceiling on waiting, not a measurement: give it room for a loaded
 * machine, and measure latency elsewhere. Returns the reason and the server's cause; the cause
 * comes with the live stream's `revoked` event, so it is null for a page whose stream had not
 * connected when the session ended (it learned from a refused refresh, which names no cause).
 */
import { expect, type Page } from "@playwright/test";

import { recordsSignOuts, signOutRecord, type SignOutRecord } from "./page-session";

export async function expectSignedOutWithin(page: Page, ms: number): Promise<SignOutRecord> {
  if (!recordsSignOuts(page.context()))
    throw new Error(
      "expectSignedOutWithin: the page was not prepared before it loaded. Use the test's own `page`/`signedInPage`, or sign it in with signIn(page, user).",
    );
  let record: SignOutRecord | null = null;
  await expect
    .poll(async () => (record = await signOutRecord(page)), {
      message: "the page signs out",
      timeout: ms,
    })
    .not.toBeNull();
  return record!;
}
