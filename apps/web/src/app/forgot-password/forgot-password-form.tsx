"use client";

import Link from "next/link";
import { useRef, useState, type FormEvent } from "react";

import { ApiForm, Button, EmailField, formString } from "~/components/form";
import { Alert, FormError } from "~/components/ui";
import { useSubmitErrors } from "~/components/use-field-errors";
import { formErrorMessage } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

/**
 * Asks for a reset link. The answer is the same whether or not the email has an account, so
 * the page says "if an account exists" and never more. Without JavaScript the form posts to
 * /api/auth/forgot-password, which comes back here with `?sent=1` or `?error=`.
 */
export function ForgotPasswordForm({
  sent,
  error,
  retry,
}: {
  sent: boolean;
  error: string | undefined;
  retry: string | undefined;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [submitted, setSubmitted] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const request = trpc.auth.requestPasswordReset.useMutation();
  const { errors, formError, startSubmit, onEdit } = useSubmitErrors(request.error, formRef);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = formString(new FormData(event.currentTarget), "email");
    setSubmitted(true);
    startSubmit();
    request.mutate({ email }, { onSuccess: () => setSentTo(email) });
  }

  const failed = submitted ? formError : formErrorMessage("forgot-password", error, retry);

  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Forgot your password?</h1>
        <p className="muted">
          Enter your email and we&apos;ll send you a link to choose a new one.
        </p>
        {sentTo || (sent && !submitted) ? (
          <Alert kind="success" title="Check your mail">
            If an account exists for {sentTo ? <strong>{sentTo}</strong> : "this email"}, a link to
            reset its password is on its way. It works once and expires soon.
          </Alert>
        ) : (
          <ApiForm
            formRef={formRef}
            label="Reset password"
            action="/api/auth/forgot-password"
            onSubmit={onSubmit}
          >
            <FormError message={failed} />
            <EmailField autoComplete="email" autoFocus errors={errors} onEdit={onEdit} />
            <Button
              type="submit"
              pending={request.isPending}
              pendingLabel="Sending…"
              className="btn-block"
            >
              Send reset link
            </Button>
          </ApiForm>
        )}
        <p className="auth-switch">
          Remembered it? <Link href="/login">Sign in</Link>
        </p>
      </div>
    </div>
  );
}
