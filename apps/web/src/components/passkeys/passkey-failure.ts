import { shownError } from "~/components/use-step-up";

/** The browser's own WebAuthn errors (a DOMException, or simplewebauthn's WebAuthnError). */
const isBrowserError = (error: unknown): error is Error =>
  error instanceof Error && !("data" in error) && error.name !== "TRPCClientError";

/**
 * What to say when a passkey ceremony failed, or null when nothing needs saying: the person
 * closed the browser's dialog (NotAllowedError), another ceremony replaced this one
 * (AbortError), or the step-up dialog was cancelled or is handling it. A server's refusal reads
 * as the server worded it; a browser's error as the browser did (`errorMessage` would call it
 * an unreachable server, having no HTTP status to go by).
 */
export function passkeyFailure(error: unknown, what: "added" | "used"): string | null {
  if (isBrowserError(error)) {
    if (error.name === "NotAllowedError" || error.name === "AbortError") return null;
    if (error.name === "StepUpCancelled") return null;
    return error.message || `The passkey could not be ${what}.`;
  }
  return shownError(error);
}
