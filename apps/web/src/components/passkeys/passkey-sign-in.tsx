"use client";

import {
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  WebAuthnAbortService,
} from "@simplewebauthn/browser";
import { useEffect, useState } from "react";

import { Button } from "~/components/form";
import { Alert } from "~/components/ui";
import { getAuthClient } from "~/lib/auth";
import { trpc } from "~/lib/trpc";

import { useWebAuthnSupport } from "./use-webauthn-support";

/**
 * "Continue with a passkey" on /login (worded so it never shares a name with the "Sign in" button), and conditional UI: the browser offers this site's
 * passkeys in the email field's autofill (`autocomplete="username webauthn"`). Without WebAuthn
 * the page says so and the password form is the way in.
 */
type RequestOptions = Parameters<typeof startAuthentication>[0]["optionsJSON"];

export function PasskeySignIn() {
  const supported = useWebAuthnSupport();
  const [failed, setFailed] = useState<string | null>(null);
  const options = trpc.passkey.authenticationOptions.useMutation();
  const authenticate = trpc.passkey.authenticate.useMutation({
    onSuccess: (result) => getAuthClient().signedIn(result),
  });

  async function signIn(useBrowserAutofill: boolean) {
    setFailed(null);
    // The same JSON; tRPC's inferred type only spells it differently from the library's.
    const optionsJSON = (await options.mutateAsync({}).catch((error: unknown) => {
      // Autofill is a convenience offered in the background: when the server will not give it
      // a challenge (e.g. 429 after many visits), the page stays as it is; a click says why.
      if (!useBrowserAutofill)
        setFailed(error instanceof Error ? error.message : "Passkeys are unavailable right now");
      return null;
    })) as RequestOptions | null;
    if (!optionsJSON) return;
    try {
      const response = await startAuthentication({ optionsJSON, useBrowserAutofill });
      await authenticate.mutateAsync({ response });
    } catch (error) {
      // The person closing the browser's dialog (or autofill being replaced) is not a failure.
      const name = error instanceof Error ? error.name : "";
      if (name !== "NotAllowedError" && name !== "AbortError")
        setFailed(error instanceof Error ? error.message : "This passkey could not be used");
    }
  }

  useEffect(() => {
    let cancelled = false;
    void browserSupportsWebAuthnAutofill().then((autofill) => {
      if (autofill && !cancelled) void signIn(true);
    });
    return () => {
      cancelled = true;
      WebAuthnAbortService.cancelCeremony();
    };
    // Once per visit: the conditional request waits in the background for the autofill.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (supported === false)
    return (
      <p className="small muted" data-testid="passkey-unsupported">
        This browser cannot use passkeys (WebAuthn is missing or turned off). Sign in with your
        password.
      </p>
    );
  return (
    <div className="passkey-sign-in">
      {failed ? (
        <Alert kind="error" formError>
          {failed}
        </Alert>
      ) : null}
      <Button
        type="button"
        variant="secondary"
        className="btn-block"
        pending={authenticate.isPending}
        pendingLabel="Signing in…"
        disabled={supported === null}
        onClick={() => void signIn(false)}
      >
        Continue with a passkey
      </Button>
    </div>
  );
}
