"use client";

import Link from "next/link";
import { useRef, useState, type FormEvent } from "react";

import { PasskeySignIn } from "~/components/passkeys/passkey-sign-in";
import { ApiForm, Button, EmailField, Field, formString } from "~/components/form";
import { useSubmitErrors } from "~/components/use-field-errors";
import { useLeaveWhenSignedIn, useLogin } from "~/components/use-sign-in";
import { Alert, PageLoading } from "~/components/ui";
import { useAuth } from "~/lib/auth";
import { authCodeOf, formErrorMessage } from "~/lib/errors";
import { sessionEndedMessage, withNext } from "~/lib/navigation";

import { ResendVerification } from "./resend-verification";
import { SecondFactorForm } from "./second-factor-form";

export function LoginForm({
  next,
  error,
  retry,
  registered,
  passwordReset,
}: {
  next: string | undefined;
  error: string | undefined;
  retry: string | undefined;
  registered: boolean;
  /** Back from the reset form without JavaScript. */
  passwordReset: boolean;
}) {
  const auth = useAuth();
  const leaving = useLeaveWhenSignedIn(next);
  const formRef = useRef<HTMLFormElement>(null);
  // Once the visitor submits, what the page said before (signed out, a failed no-JS attempt)
  // is out of date: only this attempt's outcome is shown.
  const [submitted, setSubmitted] = useState(false);
  const [email, setEmail] = useState("");
  // Why the second step sent the visitor back to the password (its challenge expired).
  const [restarted, setRestarted] = useState<string | null>(null);
  const login = useLogin();
  const { errors, formError, startSubmit, onEdit } = useSubmitErrors(login.error, formRef);

  if (leaving) return <PageLoading label="Signing you in…" />;

  if (login.data?.mfaRequired) {
    return (
      <div className="auth-page">
        <div className="auth-card">
          <h1>Two-step verification</h1>
          <SecondFactorForm
            challenge={login.data.challenge}
            methods={login.data.methods}
            onRestart={(reason) => {
              setRestarted(reason);
              login.reset();
            }}
          />
        </div>
      </div>
    );
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setSubmitted(true);
    setRestarted(null);
    setEmail(formString(data, "email"));
    startSubmit();
    login.mutate({ email: formString(data, "email"), password: formString(data, "password") });
  }

  const failed = formErrorMessage("login", error, retry);
  const notice = restarted ? (
    <Alert kind="error" formError>
      {restarted} Sign in again.
    </Alert>
  ) : submitted ? (
    formError ? (
      <Alert kind="error" formError>
        {formError}
        {authCodeOf(login.error) === "EMAIL_NOT_VERIFIED" ? (
          <ResendVerification email={email} />
        ) : null}
      </Alert>
    ) : null
  ) : failed ? (
    <Alert kind="error" formError>
      {failed}
    </Alert>
  ) : auth.reason === "ended" ? (
    <Alert kind="info" title="Your session has ended">
      {sessionEndedMessage(auth.cause)}
    </Alert>
  ) : auth.reason === "logout" ? (
    <Alert kind="success" title="You're signed out" />
  ) : auth.reason === "unreachable" ? (
    <Alert kind="error" title="Can't reach the server">
      Check your connection, then reload the page.
    </Alert>
  ) : passwordReset ? (
    <Alert kind="success" title="Password changed">
      Every device was signed out. Sign in with your new password.
    </Alert>
  ) : registered ? (
    <Alert kind="success" title="Account created">
      Sign in with your email and password.
    </Alert>
  ) : next ? (
    <Alert kind="info">Please sign in to continue.</Alert>
  ) : null;

  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Sign in</h1>
        <p className="muted">Welcome back. Enter your email and password.</p>
        <ApiForm formRef={formRef} label="Sign in" action="/api/auth/login" onSubmit={onSubmit}>
          {notice}
          <input type="hidden" name="next" value={next ?? ""} />
          <EmailField autoComplete="username webauthn" autoFocus errors={errors} onEdit={onEdit} />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete="current-password"
            required
            error={errors.password}
            onChange={() => onEdit("password")}
          />
          <p className="small">
            <Link href="/forgot-password">Forgot password?</Link>
          </p>
          <Button
            type="submit"
            pending={login.isPending}
            pendingLabel="Signing in…"
            className="btn-block"
          >
            Sign in
          </Button>
        </ApiForm>
        <PasskeySignIn />
        <p className="auth-switch">
          New here? <Link href={withNext("/register", next)}>Create an account</Link>
        </p>
      </div>
    </div>
  );
}
