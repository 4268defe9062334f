/**
 * One line per procedure for the document. A procedure without one fails
 * test/openapi-document.test.ts: a new procedure is documented when it is added.
 */
export const PROCEDURE_SUMMARIES: Readonly<Record<string, string>> = {
  health: "tRPC liveness",
  "auth.register": "Create an account (then sign in; a verification mail may be sent)",
  "auth.login":
    "Sign in with email and password: a session (refresh cookie set) or a second-factor challenge",
  "auth.verifyMfa":
    "A sign-in's second step: the challenge with an authenticator code or a recovery code",
  "auth.reauthenticate":
    "Prove who you are again (password, code or passkey) for a token with a fresh auth_time",
  "auth.refresh": "Rotate the refresh cookie for a new access token",
  "auth.logout": "End the session of the refresh cookie and/or the bearer token",
  "auth.logoutAll": "End every session of the caller's account",
  "auth.ticket": "A single-use ticket that opens session.events (SSE or WebSocket)",
  "auth.changePassword": "Change the password (the current one is required)",
  "auth.requestPasswordReset": "Mail a password reset link (same answer for any email)",
  "auth.resetPassword": "Set a new password with the mailed token; every session ends",
  "auth.verifyEmail": "Confirm the email address with the mailed token",
  "auth.resendVerification": "Mail the verification link again (signed in)",
  "auth.requestVerificationEmail": "Mail the verification link again (by email, same answer)",
  "user.me": "The caller's account",
  "session.list": "The caller's live sessions",
  "session.revoke": "End one of the caller's own sessions",
  "admin.users": "One page of users, optionally filtered by email",
  "admin.setRole": "Make a user an admin or a user",
  "admin.disableUser": "Sign a user out everywhere and refuse their logins",
  "admin.enableUser": "Allow a disabled user to sign in again",
  "admin.revokeSessions": "Sign a user out everywhere",
  "admin.resetMfa": "Remove every second factor of a user who lost them; their sessions end",
  "mfa.totp.begin": "Start adding an authenticator app: its key and otpauth:// URI (fresh sign-in)",
  "mfa.totp.confirm": "Turn the authenticator on with one of its codes (first factor: recovery codes)",
  "mfa.recoveryCodes.regenerate": "A new set of recovery codes; the old set stops working",
  "mfa.factors": "The caller's second factors (authenticator apps and passkeys), never a secret",
  "mfa.remove": "Remove one of the caller's second factors (fresh sign-in)",
  "passkey.registrationOptions": "WebAuthn creation options for a new passkey (fresh sign-in)",
  "passkey.register": "Store a passkey from the browser's attestation; other sessions end",
  "passkey.list": "The caller's passkeys, synced or device-bound",
  "passkey.rename": "Rename one of the caller's passkeys",
  "passkey.remove": "Remove one of the caller's passkeys (fresh sign-in)",
  "passkey.authenticationOptions":
    "WebAuthn request options: discoverable for passwordless, or the account's for a challenge",
  "passkey.authenticate":
    "Sign in with a passkey assertion (passwordless, or a challenge's second step)",
  "passkey.reauthenticationOptions": "WebAuthn request options to re-authenticate with a passkey",
  // Not an operation of the document (a stream opened with a ticket: docs/websocket.md).
  "session.events": "The session's live events until it is revoked",
};
