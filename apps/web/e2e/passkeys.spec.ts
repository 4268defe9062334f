/**
 * Passkeys in a real browser (issue 25): Chromium with a virtual authenticator (the DevTools
 * protocol's WebAuthn domain: CTAP2, internal transport, resident keys, user verification that
 * says yes). A user adds a passkey on /security and signs in with it alone; a password sign-in
 * takes it as the second step; the sign-in page's conditional request (passkey autofill) signs
 * in by itself; removing the passkey signs another browser out live.
 *
 * Chromium completes a conditional request (`mediation: "conditional"`) at once when its virtual
 * authenticator holds a discoverable credential for the page: no autofill is shown, nothing is
 * clicked. So the tests of the button and of the second step run as a browser without passkey
 * autofill (`passkey(page, { autofill: false })`), where only the person's click asks for it.
 */
import type { Page } from "@playwright/test";

import {
  expect,
  leavesForLogin,
  passkey,
  reportLatency,
  sessionEventsLive,
  test,
  watchSignOut,
  type Passkey,
  type TestUser,
} from "./fixtures";

/** What /login says after the server ended a session because the factors changed. */
const FACTORS_CHANGED = "Your account's second factors changed. Sign in again.";
const PASSKEY_REJECTED = "This passkey could not be used";

interface CredentialRequest {
  mediation: string;
  outcome: string;
}

/** Records every `navigator.credentials.get` of the page, in order: mediation and outcome. */
async function recordCredentialRequests(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const requests: { mediation: string; outcome: string }[] = [];
    Object.assign(window, { credentialRequests: requests });
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options?: CredentialRequestOptions) => {
      const request = { mediation: options?.mediation ?? "optional", outcome: "pending" };
      requests.push(request);
      const answer = get(options);
      answer.then(
        () => (request.outcome = "resolved"),
        (error: unknown) => (request.outcome = error instanceof Error ? error.name : "rejected"),
      );
      return answer;
    };
  });
}

const credentialRequests = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { credentialRequests: CredentialRequest[] }).credentialRequests,
  );

/**
 * Adds a passkey named `name` on /security (the page's user just signed in: fresh enough to add
 * a factor) and puts the first factor's recovery codes away. Returns the passkeys list.
 */
async function addPasskey(page: Page, name: string) {
  await page.goto("/security");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(
    page.getByText(`Passkey "${name}" added. Your other devices were signed out.`),
  ).toBeVisible();
  // The account's first factor: its recovery codes, shown once.
  await expect(page.getByRole("heading", { name: "Save your recovery codes" })).toBeFocused();
  await expect(page.getByTestId("recovery-codes").locator("code")).toHaveCount(10);
  await page.getByRole("button", { name: "I've saved them" }).click();
  const passkeys = page.getByRole("list", { name: "Your passkeys" });
  await expect(passkeys.getByRole("listitem")).toHaveCount(1);
  await expect(passkeys.getByRole("listitem")).toContainText(name);
  return passkeys;
}

/** Signs out with the header's button; resolves on /login. */
async function signOutHere(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** Another device (a browser of its own) holding a copy of the page's passkey. */
async function otherDevice(key: Passkey, page: Page, baseURL: string) {
  const context = await page.context().browser()!.newContext({ baseURL });
  const other = await context.newPage();
  await key.copyTo(other);
  return { context, page: other };
}

async function expectSignedInAs(page: Page, user: Pick<TestUser, "email">): Promise<void> {
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
}

test("add a passkey on /security, sign out, sign in with it alone", async ({
  signedInPage: { page, user },
}) => {
  await passkey(page, { autofill: false });
  const passkeys = await addPasskey(page, "Work laptop");
  // The virtual authenticator's credential is not backup eligible: a device-bound passkey.
  await expect(passkeys.getByRole("listitem")).toContainText("Device-bound");
  await expect(passkeys.getByRole("listitem")).toContainText("never used");
  // It is one of the account's second factors too.
  await expect(page.getByRole("list", { name: "Second factors" })).toContainText("Work laptop");

  await signOutHere(page);
  const authenticated = page.waitForResponse((r) => r.url().includes("passkey.authenticate"));
  await page.getByRole("button", { name: "Continue with a passkey" }).click();
  expect((await authenticated).ok()).toBe(true);
  await expectSignedInAs(page, user);

  await page.getByRole("link", { name: "Security" }).click();
  await expect(passkeys.getByRole("listitem")).toContainText("last used");
});

test("a password sign-in takes the passkey as its second step", async ({
  signedInPage: { page, user },
}) => {
  await passkey(page, { autofill: false });
  await addPasskey(page, "Phone");
  await signOutHere(page);

  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  const second = page.getByRole("form", { name: "Verify it's you" });
  const authenticated = page.waitForResponse((r) => r.url().includes("passkey.authenticate"));
  await second.getByRole("button", { name: "Use a passkey" }).click();
  const answer = await authenticated;
  expect(answer.ok()).toBe(true);
  // The second step of this sign-in: the login challenge went with the assertion.
  expect(answer.request().postDataJSON()).toMatchObject({
    0: { challenge: expect.any(String) },
  });
  await expectSignedInAs(page, user);
});

test("conditional UI: the email field offers passkeys, and the autofill request signs in", async ({
  signedInPage: { page, user },
  baseURL,
}) => {
  const key = await passkey(page);
  await addPasskey(page, "Laptop");

  const other = await otherDevice(key, page, baseURL!);
  await recordCredentialRequests(other.page);
  const calls: string[] = [];
  other.page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/api/trpc/passkey.")) calls.push(path.slice("/api/trpc/".length));
  });
  await other.page.goto("/login");
  await expect(other.page.getByLabel("Email")).toHaveAttribute("autocomplete", "username webauthn");
  // Nothing is clicked: the page's conditional request finds the passkey and signs in.
  await expectSignedInAs(other.page, user);
  expect(await credentialRequests(other.page)).toEqual([
    { mediation: "conditional", outcome: "resolved" },
  ]);
  expect(calls).toEqual(["passkey.authenticationOptions", "passkey.authenticate"]);
  await other.context.close();
});

test("removing the passkey signs another browser out live, saying why", async ({
  signedInPage: { page, user },
  baseURL,
}, testInfo) => {
  test.slow(); // two browsers, two sign-ins and a live sign-out
  const key = await passkey(page);
  const passkeys = await addPasskey(page, "Security key");

  // Browser B signs in with its copy of the passkey (after the adding, which ended B's kind).
  const other = await otherDevice(key, page, baseURL!);
  await other.page.goto("/login");
  await expectSignedInAs(other.page, user);
  await sessionEventsLive(other.page);
  await watchSignOut(other.page);

  const removed = page.waitForResponse((r) => r.url().includes("passkey.remove"));
  await passkeys.getByRole("button", { name: "Remove Security key" }).click();
  expect((await removed).ok()).toBe(true);
  const answered = Date.now();
  await expect(page.getByText("Security key was removed.")).toBeVisible();
  await expect(page.getByText("You have no passkeys yet.")).toBeVisible();

  // B: signed out first, then on /login saying why (the server's cause, on its live stream).
  reportLatency(
    testInfo,
    "other browser, passkey removed",
    await leavesForLogin(other.page, FACTORS_CHANGED, answered),
  );
  // B's copy of the removed passkey, offered again by /login's autofill request, is refused.
  await expect(other.page.getByText(PASSKEY_REJECTED)).toBeVisible();
  await expect(other.page).toHaveURL(/\/login/);
  // A stays signed in, on /security.
  await expect(page).toHaveURL("/security");
  await page.getByRole("link", { name: "Account" }).click();
  await expectSignedInAs(page, user);
  await other.context.close();
});
