import { browserSupportsWebAuthn } from "@simplewebauthn/browser";
import { useSyncExternalStore } from "react";

const never = () => () => undefined;

/** Whether this browser has WebAuthn: null while rendering on the server (unknown there). */
export function useWebAuthnSupport(): boolean | null {
  return useSyncExternalStore(never, browserSupportsWebAuthn, () => null);
}
