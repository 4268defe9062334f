"use client";

import { startRegistration } from "@simplewebauthn/browser";
import { useState } from "react";

import { Button } from "~/components/form";
import { Alert } from "~/components/ui";
import { trpc } from "~/lib/trpc";

import { useWebAuthnSupport } from "./use-webauthn-support";

/**
 * The security page's passkeys: add (named), list (synced or device-bound, added, last used),
 * rename and remove. Adding and removing are fresh actions: a stale sign-in is answered
 * REAUTHENTICATION_REQUIRED, which the page's re-authentication dialog handles.
 */
type CreationOptions = Parameters<typeof startRegistration>[0]["optionsJSON"];

export function PasskeysSection() {
  const supported = useWebAuthnSupport();
  const [name, setName] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const utils = trpc.useUtils();
  const list = trpc.passkey.list.useQuery();
  const options = trpc.passkey.registrationOptions.useMutation();
  const register = trpc.passkey.register.useMutation();
  const rename = trpc.passkey.rename.useMutation({
    onSuccess: () => utils.passkey.list.invalidate(),
  });
  const remove = trpc.passkey.remove.useMutation({
    onSuccess: () => utils.passkey.list.invalidate(),
  });

  async function add() {
    setMessage(null);
    try {
      // The same JSON; tRPC's inferred type only spells it differently from the library's.
      const optionsJSON = (await options.mutateAsync()) as CreationOptions;
      const response = await startRegistration({ optionsJSON });
      await register.mutateAsync({ response, ...(name.trim() ? { name: name.trim() } : {}) });
      setName("");
      await utils.passkey.list.invalidate();
    } catch (error) {
      setMessage(error instanceof Error ? error.message : "The passkey could not be added");
    }
  }

  return (
    <section aria-labelledby="passkeys-heading" className="card" data-testid="passkeys">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p className="muted small">
        Sign in with your fingerprint, face or device PIN instead of a password, or use a passkey as
        your second step. Synced passkeys live in your password manager or platform account;
        device-bound ones stay on one device or security key.
      </p>
      {message ? <Alert kind="error">{message}</Alert> : null}
      <ul className="passkey-list">
        {(list.data ?? []).map((passkey) => (
          <li key={passkey.id} data-testid="passkey-item">
            <strong>{passkey.name}</strong>{" "}
            <span className="small muted">
              {passkey.synced ? "Synced" : "Device-bound"} · added{" "}
              {new Date(passkey.createdAt).toLocaleDateString()}
              {passkey.lastUsedAt
                ? ` · last used ${new Date(passkey.lastUsedAt).toLocaleDateString()}`
                : " · never used"}
            </span>{" "}
            <Button
              variant="ghost"
              onClick={() => {
                const next = window.prompt("New name", passkey.name);
                if (next?.trim()) rename.mutate({ id: passkey.id, name: next.trim() });
              }}
            >
              Rename
            </Button>
            <Button
              variant="danger"
              pending={remove.isPending}
              onClick={() => remove.mutate({ id: passkey.id })}
            >
              Remove
            </Button>
          </li>
        ))}
      </ul>
      {supported === false ? (
        <p className="small muted" data-testid="passkey-unsupported">
          This browser cannot create passkeys (WebAuthn is missing or turned off). Use another
          browser, or protect your account with an authenticator app.
        </p>
      ) : (
        <div className="passkey-add">
          <label>
            Name{" "}
            <input
              value={name}
              onChange={(event) => setName(event.target.value)}
              maxLength={64}
              placeholder="My laptop"
            />
          </label>
          <Button pending={options.isPending || register.isPending} onClick={() => void add()}>
            Add a passkey
          </Button>
        </div>
      )}
      {remove.error ? <Alert kind="error">{remove.error.message}</Alert> : null}
    </section>
  );
}
