"use client";

import { startAuthentication } from "@simplewebauthn/browser";
import { useState } from "react";

import { Button } from "~/components/form";
import { Alert } from "~/components/ui";
import { getAuthClient } from "~/lib/auth";
import { trpc } from "~/lib/trpc";

import { useWebAuthnSupport } from "./use-webauthn-support";

type RequestOptions = Parameters<typeof startAuthentication>[0]["optionsJSON"];

/**
 * The sign-in's second step with a passkey, for an account whose `auth.login` answer lists
 * `"passkey"` among its methods: the second-step page shows it beside the code field.
 */
export function PasskeySecondStep({ challenge }: { challenge: string }) {
  const supported = useWebAuthnSupport();
  const [failed, setFailed] = useState<string | null>(null);
  const options = trpc.passkey.authenticationOptions.useMutation();
  const authenticate = trpc.passkey.authenticate.useMutation({
    onSuccess: (result) => getAuthClient().signedIn(result),
  });

  async function continueWithPasskey() {
    setFailed(null);
    try {
      // The same JSON; tRPC's inferred type only spells it differently from the library's.
      const optionsJSON = (await options.mutateAsync({ challenge })) as RequestOptions;
      const response = await startAuthentication({ optionsJSON });
      await authenticate.mutateAsync({ response, challenge });
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      if (name !== "NotAllowedError" && name !== "AbortError")
        setFailed(error instanceof Error ? error.message : "This passkey could not be used");
    }
  }

  if (supported === false)
    return (
      <p className="small muted" data-testid="passkey-unsupported">
        This browser cannot use passkeys. Use a code from your authenticator app or a recovery code.
      </p>
    );
  return (
    <div className="passkey-second-step">
      {failed ? <Alert kind="error">{failed}</Alert> : null}
      <Button
        variant="secondary"
        className="btn-block"
        pending={options.isPending || authenticate.isPending}
        pendingLabel="Waiting for your passkey…"
        onClick={() => void continueWithPasskey()}
      >
        Use a passkey
      </Button>
    </div>
  );
}
