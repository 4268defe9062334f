/**
 * `@authkit/testing/playwright`: Playwright's `test` with Authkit fixtures, and the helpers that
 * make the flows people get wrong easy to test (docs/testing.md).
 */
export { expect, test, type AuthkitFixtures, type SignedInPage, type TestUser } from "./test";
export type { AuthkitApi, AuthkitClient } from "./authkit-api";
export type { Mail, Mailbox } from "./mailbox";
export { signIn } from "./sign-in";
export { signOut } from "./sign-out";
export { expireAccessToken } from "./expire-access-token";
export { expectSignedOutWithin } from "./expect-signed-out-within";
export { totpCode } from "./totp-code";
export { addVirtualAuthenticator } from "./add-virtual-authenticator";
export { passkey, type Passkey, type PasskeyOptions, type VirtualCredential } from "./passkey";
