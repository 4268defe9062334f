/**
 * A passkey for a test's browser: the page's virtual authenticator (`addVirtualAuthenticator`),
 * what it holds, and the same passkey on another device. Chromium only.
 *
 * Chromium completes a conditional request (`navigator.credentials.get({ mediation:
 * "conditional" })`, passkey autofill) at once when its virtual authenticator holds a
 * discoverable credential for the page: a sign-in page that starts one signs in by itself.
 * `{ autofill: false }` makes the page a browser without passkey autofill, where only a click
 * (a "Sign in with a passkey" button) asks for the passkey; call it before the page loads the
 * sign-in page.
 */
import type { Page } from "@playwright/test";

import { addVirtualAuthenticator } from "./add-virtual-authenticator";

/** A credential as the DevTools protocol gives it (`WebAuthn.getCredentials`). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
}

export interface Passkey {
  /** The virtual authenticator's id (for the protocol's other `WebAuthn.*` commands). */
  authenticatorId: string;
  /** The credentials it holds: one per passkey the page created. */
  credentials(): Promise<VirtualCredential[]>;
  /**
   * The same passkeys on another device (a synced copy): `page`, of another browser context,
   * gets an authenticator holding them. Use the copy, not the original, from then on: a
   * device-bound passkey's counter must only go up.
   */
  copyTo(page: Page, options?: PasskeyOptions): Promise<Passkey>;
}

export interface PasskeyOptions {
  /** false: the page has no passkey autofill (conditional mediation unavailable). */
  autofill?: boolean;
}

/** Gives the page a passkey authenticator; with `{ autofill: false }`, no passkey autofill. */
export async function passkey(page: Page, options: PasskeyOptions = {}): Promise<Passkey> {
  if (options.autofill === false) await withoutPasskeyAutofill(page);
  const authenticatorId = await addVirtualAuthenticator(page);
  const session = await page.context().newCDPSession(page);
  const credentials = async () =>
    (await session.send("WebAuthn.getCredentials", { authenticatorId }))
      .credentials as VirtualCredential[];
  return {
    authenticatorId,
    credentials,
    copyTo: async (other, copyOptions) => {
      const copy = await passkey(other, copyOptions);
      const target = await other.context().newCDPSession(other);
      for (const credential of await credentials())
        await target.send("WebAuthn.addCredential", {
          authenticatorId: copy.authenticatorId,
          credential,
        });
      return copy;
    },
  };
}

/** Conditional mediation reported unavailable, from the page's next document on. */
async function withoutPasskeyAutofill(page: Page): Promise<void> {
  await page.addInitScript(() => {
    Object.defineProperty(PublicKeyCredential, "isConditionalMediationAvailable", {
      configurable: true,
      value: () => Promise.resolve(false),
    });
  });
}
