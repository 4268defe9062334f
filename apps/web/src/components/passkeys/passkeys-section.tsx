"use client";

import { startRegistration } from "@simplewebauthn/browser";
import { useState } from "react";

import { Button } from "~/components/form";
import { Alert, Badge } from "~/components/ui";
import { runGuarded, shownError, type StepUp } from "~/components/use-step-up";
import { trpc } from "~/lib/trpc";

import { passkeyFailure } from "./passkey-failure";
import { useWebAuthnSupport } from "./use-webauthn-support";

/**
 * The security page's passkeys: add (named), list (synced or device-bound, added, last used),
 * rename and remove. Adding and removing are fresh actions: a stale sign-in is answered
 * REAUTHENTICATION_REQUIRED, and `guard` (the page's step-up) asks the person to confirm it's
 * them, then runs the action again. Both end every other session of the user, which the page
 * says (`onAdded`, `onRemoved`); the account's first factor comes with its recovery codes.
 */
type CreationOptions = Parameters<typeof startRegistration>[0]["optionsJSON"];

export interface PasskeysSectionProps {
  guard: StepUp["guard"];
  /** A passkey was added; `recoveryCodes` when it is the account's first factor (shown once). */
  onAdded: (name: string, recoveryCodes: string[] | null) => Promise<unknown>;
  onRemoved: (name: string) => Promise<unknown>;
}

export function PasskeysSection({ guard, onAdded, onRemoved }: PasskeysSectionProps) {
  const supported = useWebAuthnSupport();
  const utils = trpc.useUtils();
  const list = trpc.passkey.list.useQuery();
  const rename = trpc.passkey.rename.useMutation({
    onSuccess: () => utils.passkey.list.invalidate(),
  });
  const remove = trpc.passkey.remove.useMutation();
  const removeFailed = shownError(remove.error);

  return (
    <section aria-labelledby="passkeys-heading" className="card" data-testid="passkeys">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p className="muted small">
        Sign in with your fingerprint, face or device PIN instead of a password, or use a passkey as
        your second step. Synced passkeys live in your password manager or platform account;
        device-bound ones stay on one device or security key.
      </p>
      {(list.data?.length ?? 0) > 0 ? (
        <ul className="passkey-list" aria-label="Your passkeys">
          {list.data?.map((passkey) => (
            <li key={passkey.id} data-testid="passkey-item">
              <strong>{passkey.name}</strong>{" "}
              <Badge tone={passkey.synced ? "success" : "neutral"}>
                {passkey.synced ? "Synced" : "Device-bound"}
              </Badge>{" "}
              <span className="small muted">
                added {new Date(passkey.createdAt).toLocaleDateString()}
                {passkey.lastUsedAt
                  ? ` · last used ${new Date(passkey.lastUsedAt).toLocaleDateString()}`
                  : " · never used"}
              </span>{" "}
              <Button
                variant="ghost"
                aria-label={`Rename ${passkey.name}`}
                onClick={() => {
                  const next = window.prompt("New name", passkey.name);
                  if (next?.trim()) rename.mutate({ id: passkey.id, name: next.trim() });
                }}
              >
                Rename
              </Button>
              <Button
                variant="danger"
                aria-label={`Remove ${passkey.name}`}
                pending={remove.isPending && remove.variables.id === passkey.id}
                pendingLabel="Removing…"
                onClick={() =>
                  runGuarded(guard, async () => {
                    await remove.mutateAsync({ id: passkey.id });
                    await Promise.all([utils.passkey.list.invalidate(), onRemoved(passkey.name)]);
                  })
                }
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
      ) : list.isSuccess ? (
        <p className="small muted">You have no passkeys yet.</p>
      ) : null}
      {removeFailed ? <Alert kind="error">{removeFailed}</Alert> : null}
      {supported === false ? (
        <p className="small muted" data-testid="passkey-unsupported">
          This browser cannot create passkeys (WebAuthn is missing or turned off). Use another
          browser, or protect your account with an authenticator app.
        </p>
      ) : (
        <AddPasskey guard={guard} onAdded={onAdded} />
      )}
    </section>
  );
}

/** The name field and "Add a passkey": options, the browser's ceremony, then `passkey.register`. */
function AddPasskey({ guard, onAdded }: Pick<PasskeysSectionProps, "guard" | "onAdded">) {
  const [name, setName] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const utils = trpc.useUtils();
  const options = trpc.passkey.registrationOptions.useMutation();
  const register = trpc.passkey.register.useMutation();

  async function add() {
    // The same JSON; tRPC's inferred type only spells it differently from the library's.
    const optionsJSON = (await options.mutateAsync()) as CreationOptions;
    const response = await startRegistration({ optionsJSON });
    const typed = name.trim();
    const { passkey, recoveryCodes } = await register.mutateAsync({
      response,
      ...(typed ? { name: typed } : {}),
    });
    setName("");
    await Promise.all([utils.passkey.list.invalidate(), onAdded(passkey.name, recoveryCodes)]);
  }

  return (
    <div className="passkey-add">
      {message ? <Alert kind="error">{message}</Alert> : null}
      <label>
        Name{" "}
        <input
          value={name}
          onChange={(event) => setName(event.target.value)}
          maxLength={64}
          placeholder="My laptop"
        />
      </label>
      <Button
        pending={options.isPending || register.isPending}
        pendingLabel="Waiting for your passkey…"
        onClick={() => {
          setMessage(null);
          guard(add).catch((error: unknown) => setMessage(passkeyFailure(error, "added")));
        }}
      >
        Add a passkey
      </Button>
    </div>
  );
}
