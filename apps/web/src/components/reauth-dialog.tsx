"use client";

import { useEffect, useRef, type ComponentProps, type FormEvent } from "react";

import { getAuthClient } from "~/lib/auth";
import { authCodeOf, type FieldErrors } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

import { Button, Field, formString } from "./form";
import { OneTimeCodeField, oneTimeCode } from "./one-time-code-field";
import { PasskeyReauth } from "./passkeys/passkey-reauth";
import { Alert, Spinner } from "./ui";
import { useSubmitErrors } from "./use-field-errors";

/** A wrong password or code belongs beside its field, not at the top. */
const besideTheirField = (error: unknown) => {
  if (!(error instanceof Error)) return undefined;
  const code = authCodeOf(error);
  if (code === "WRONG_PASSWORD") return { password: error.message };
  if (code === "MFA_CODE_INVALID") return { code: error.message };
  return undefined;
};

/** The fresh access token goes to the token manager (and every tab); the user is unchanged. */
function adoptFreshToken(token: { accessToken: string; tokenType: "Bearer"; expiresIn: number }) {
  const client = getAuthClient();
  const { user } = client.getState();
  if (user) client.signedIn({ ...token, user });
}

/** How the person proves it's them: what the account has decides (the server insists). */
type Proof = "password" | "code" | "passkey";

/** The account's factors: a code when it has an app, a passkey when it has only passkeys. */
function useProof() {
  const factors = trpc.mfa.factors.useQuery();
  const types = new Set((factors.data ?? []).map((factor) => factor.type));
  const proof: Proof = types.has("totp") ? "code" : types.has("passkey") ? "passkey" : "password";
  return { loading: factors.isPending, proof, hasPasskey: types.has("passkey") };
}

const DESCRIPTION: Record<Proof, string> = {
  code: "Enter the 6-digit code from your authenticator app to continue.",
  passkey: "Use your passkey to continue. We ask again before security changes.",
  password: "Enter your password to continue. We ask again before security changes.",
};

/** Opens the dialog as a modal; focus goes back to what opened it when it closes. */
function useModal() {
  const dialogRef = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    return () => {
      dialog.close();
      // The button that asked may have been replaced meanwhile; focus only what is still there.
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return dialogRef;
}

/** `auth.reauthenticate`, its fresh token handed to the token manager, errors by field. */
function useReauthenticate(onDone: () => void) {
  const formRef = useRef<HTMLFormElement>(null);
  const reauth = trpc.auth.reauthenticate.useMutation({
    onSuccess: (token) => {
      adoptFreshToken(token);
      onDone();
    },
  });
  return { formRef, reauth, ...useSubmitErrors(reauth.error, formRef, besideTheirField) };
}

/**
 * "Confirm it's you": the server found this session's proof of identity too old for what was
 * asked (REAUTHENTICATION_REQUIRED). The person proves it again: with the password, or, once
 * the account has a second factor, with a code from the app or a passkey (the server then
 * refuses a password alone, which may have been phished along with the token).
 * `auth.reauthenticate` answers a fresh access token, which the app's token manager takes, and
 * `onDone` retries the action.
 *
 * A modal <dialog>: the browser keeps focus inside it and Escape cancels; focus goes back to
 * what opened it when it closes.
 */
export function ReauthDialog({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const dialogRef = useModal();
  const { loading, proof, hasPasskey } = useProof();
  const { formRef, reauth, errors, formError, startSubmit, onEdit } = useReauthenticate(onDone);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    if (proof === "passkey") return;
    startSubmit();
    reauth.mutate(
      proof === "code"
        ? { code: oneTimeCode(formString(data, "code")) }
        : { password: formString(data, "password") },
    );
  }

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby="reauth-title"
      aria-describedby="reauth-description"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <form ref={formRef} className="form" noValidate onSubmit={onSubmit}>
        <h2 id="reauth-title">Confirm it&apos;s you</h2>
        <p id="reauth-description" className="muted">
          {DESCRIPTION[proof]}
        </p>
        {formError ? (
          <Alert kind="error" formError>
            {formError}
          </Alert>
        ) : null}
        {loading ? (
          <Spinner label="Loading…" />
        ) : (
          <ProofField proof={proof} errors={errors} onEdit={onEdit} />
        )}
        <ReauthActions
          proof={proof}
          hasPasskey={hasPasskey}
          pending={reauth.isPending}
          onPasskey={(passkey) => {
            startSubmit();
            reauth.mutate({ passkey });
          }}
          onCancel={onCancel}
        />
      </form>
    </dialog>
  );
}

/** The field the proof needs: the app's code, the password, or none (a passkey). */
function ProofField({
  proof,
  errors,
  onEdit,
}: {
  proof: Proof;
  errors: FieldErrors;
  onEdit: (name: string) => void;
}) {
  if (proof === "passkey") return null;
  if (proof === "code")
    return <OneTimeCodeField autoFocus error={errors.code} onEdit={() => onEdit("code")} />;
  return (
    <Field
      key="password"
      name="password"
      label="Password"
      type="password"
      autoComplete="current-password"
      autoFocus
      required
      error={errors.password}
      onChange={() => onEdit("password")}
    />
  );
}

/** Continue (with a field to submit), "Use a passkey" (the account has one), Cancel. */
function ReauthActions({
  proof,
  hasPasskey,
  pending,
  onPasskey,
  onCancel,
}: {
  proof: Proof;
  hasPasskey: boolean;
  pending: boolean;
  onPasskey: ComponentProps<typeof PasskeyReauth>["prove"];
  onCancel: () => void;
}) {
  return (
    <div className="form-actions">
      {proof === "passkey" ? null : (
        <Button type="submit" pending={pending} pendingLabel="Checking…">
          Continue
        </Button>
      )}
      {hasPasskey ? <PasskeyReauth pending={pending} prove={onPasskey} /> : null}
      <Button variant="ghost" onClick={onCancel} disabled={pending}>
        Cancel
      </Button>
    </div>
  );
}
