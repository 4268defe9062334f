"use client";

import { useEffect, useRef, type FormEvent } from "react";

import { getAuthClient } from "~/lib/auth";
import { authCodeOf } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

import { Button, Field, formString } from "./form";
import { OneTimeCodeField, oneTimeCode } from "./one-time-code-field";
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

/**
 * "Confirm it's you": the server found this session's proof of identity too old for what was
 * asked (REAUTHENTICATION_REQUIRED). The person proves it again: with the password, or, once
 * the account has a second factor, with a code from the app (the server then refuses a password
 * alone, which may have been phished along with the token). `auth.reauthenticate` answers a
 * fresh access token, which the app's token manager takes, and `onDone` retries the action.
 *
 * A modal <dialog>: the browser keeps focus inside it and Escape cancels; focus goes back to
 * what opened it when it closes.
 */
export function ReauthDialog({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  // With a second factor, the proof is a code from the app (the security page has this cached).
  const factors = trpc.mfa.factors.useQuery();
  const withCode = (factors.data?.length ?? 0) > 0;
  const formRef = useRef<HTMLFormElement>(null);
  const reauth = trpc.auth.reauthenticate.useMutation({
    onSuccess: (token) => {
      adoptFreshToken(token);
      onDone();
    },
  });
  const { errors, formError, startSubmit, onEdit } = useSubmitErrors(
    reauth.error,
    formRef,
    besideTheirField,
  );

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

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startSubmit();
    reauth.mutate(
      withCode
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
          {withCode
            ? "Enter the 6-digit code from your authenticator app to continue."
            : "Enter your password to continue. We ask again before security changes."}
        </p>
        {formError ? (
          <Alert kind="error" formError>
            {formError}
          </Alert>
        ) : null}
        {factors.isPending ? (
          <Spinner label="Loading…" />
        ) : withCode ? (
          <OneTimeCodeField autoFocus error={errors.code} onEdit={() => onEdit("code")} />
        ) : (
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
        )}
        <div className="form-actions">
          <Button type="submit" pending={reauth.isPending} pendingLabel="Checking…">
            Continue
          </Button>
          <Button variant="ghost" onClick={onCancel} disabled={reauth.isPending}>
            Cancel
          </Button>
        </div>
      </form>
    </dialog>
  );
}
