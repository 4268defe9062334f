/**
 * A passkey authenticator for the page's browser, through Chromium's DevTools protocol: a
 * platform authenticator (CTAP2, internal transport) with resident keys and user verification
 * that says yes by itself, so `navigator.credentials.create/get` complete without a prompt.
 * Chromium only; the authenticator lives as long as the page.
 */
import type { Page } from "@playwright/test";

/** Adds the authenticator; answers its id (for the protocol's other WebAuthn.* commands). */
export async function addVirtualAuthenticator(page: Page): Promise<string> {
  const session = await page.context().newCDPSession(page);
  await session.send("WebAuthn.enable");
  const { authenticatorId } = await session.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}
