"use client";

import Link from "next/link";
import { useRef, useState, type FormEvent } from "react";

import {
  ApiForm,
  Button,
  formString,
  NEW_PASSWORD_HINT,
  NewPasswordFields,
} from "~/components/form";
import { Alert, FormError } from "~/components/ui";
import { useSubmitErrors } from "~/components/use-field-errors";
import { authCodeOf, formErrorMessage, passwordPolicyError } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

const passwordRefused = passwordPolicyError("password");

/**
 * Without JavaScript the form posts to /api/auth/reset-password, which goes on to
 * `/login?reset=1`, or comes back here with the token and `?error=`.
 */
export function ResetPasswordForm({
  token,
  error,
  retry,
}: {
  token: string;
  error: string | undefined;
  retry: string | undefined;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [submitted, setSubmitted] = useState(false);
  const reset = trpc.auth.resetPassword.useMutation();
  const invalidLink = submitted
    ? authCodeOf(reset.error) === "INVALID_TOKEN"
    : error === "invalid_token";
  const { errors, formError, startSubmit, onEdit } = useSubmitErrors(
    invalidLink ? null : reset.error,
    formRef,
    passwordRefused,
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const password = formString(data, "password");
    const mismatch = password !== formString(data, "confirmPassword");
    setSubmitted(true);
    startSubmit(mismatch ? { confirmPassword: "Passwords don't match" } : {});
    reset.reset();
    if (!mismatch) reset.mutate({ token, password });
  }

  const failed = submitted
    ? formError
    : invalidLink
      ? null
      : formErrorMessage("reset-password", error, retry);

  if (reset.isSuccess) {
    return (
      <div className="auth-page">
        <div className="auth-card">
          <h1>Password changed</h1>
          <Alert kind="success" title="Your password was reset">
            Every device that was signed in has been signed out. Sign in with your new password.
          </Alert>
          <Link href="/login" className="btn btn-primary btn-block">
            Sign in
          </Link>
        </div>
      </div>
    );
  }

  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Choose a new password</h1>
        <p className="muted">Every device signed in to your account will be signed out.</p>
        {!token || invalidLink ? (
          <Alert kind="error" title="This link is invalid or has expired">
            Reset links work once and expire after a while.{" "}
            <Link href="/forgot-password">Ask for a new link</Link>.
          </Alert>
        ) : null}
        {token ? (
          <ApiForm
            formRef={formRef}
            label="Choose a new password"
            action="/api/auth/reset-password"
            onSubmit={onSubmit}
          >
            <FormError message={failed} />
            <input type="hidden" name="token" value={token} />
            <NewPasswordFields
              name="password"
              label="New password"
              confirmName="confirmPassword"
              confirmLabel="Confirm new password"
              hint={NEW_PASSWORD_HINT}
              errors={errors}
              onEdit={onEdit}
            />
            <Button
              type="submit"
              pending={reset.isPending}
              pendingLabel="Saving…"
              className="btn-block"
            >
              Set new password
            </Button>
          </ApiForm>
        ) : null}
      </div>
    </div>
  );
}
