"use client";

import { startAuthentication } from "@simplewebauthn/browser";
import { useState } from "react";

import { Button } from "~/components/form";
import { Alert } from "~/components/ui";
import { trpc } from "~/lib/trpc";

import { passkeyFailure } from "./passkey-failure";
import { useWebAuthnSupport } from "./use-webauthn-support";

type RequestOptions = Parameters<typeof startAuthentication>[0]["optionsJSON"];
type Assertion = Awaited<ReturnType<typeof startAuthentication>>;

/**
 * "Use a passkey" in the re-authentication dialog: `passkey.reauthenticationOptions` (a challenge
 * bound to this session), the browser's ceremony, then `prove` sends the assertion to
 * `auth.reauthenticate({ passkey })`. Without WebAuthn it says so.
 */
export function PasskeyReauth({
  prove,
  pending,
}: {
  prove: (passkey: Assertion) => void;
  pending: boolean;
}) {
  const supported = useWebAuthnSupport();
  const [failed, setFailed] = useState<string | null>(null);
  const options = trpc.passkey.reauthenticationOptions.useMutation();

  async function askPasskey() {
    setFailed(null);
    try {
      // The same JSON; tRPC's inferred type only spells it differently from the library's.
      const optionsJSON = (await options.mutateAsync()) as RequestOptions;
      prove(await startAuthentication({ optionsJSON }));
    } catch (error) {
      setFailed(passkeyFailure(error, "used"));
    }
  }

  if (supported === false)
    return (
      <p className="small muted" data-testid="passkey-unsupported">
        This browser cannot use passkeys.
      </p>
    );
  return (
    <>
      {failed ? <Alert kind="error">{failed}</Alert> : null}
      <Button
        variant="secondary"
        pending={options.isPending || pending}
        pendingLabel="Waiting for your passkey…"
        disabled={supported === null}
        onClick={() => void askPasskey()}
      >
        Use a passkey
      </Button>
    </>
  );
}
