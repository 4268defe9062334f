"use client";

import Link from "next/link";
import type { FormEvent } from "react";

import { Button } from "~/components/form";
import { Alert } from "~/components/ui";
import { authCodeOf, errorMessage, formErrorMessage } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

/**
 * Confirms on a click, not on load: mail scanners that open links (and run their scripts) must
 * not use the token up before the person does. Without JavaScript the button posts the form to
 * /api/auth/verify-email, which comes back with `?verified=1` or `?error=`.
 */
export function VerifyEmail({
  token,
  verified,
  error,
}: {
  token: string;
  verified: boolean;
  error: string | undefined;
}) {
  const verify = trpc.auth.verifyEmail.useMutation();
  const confirmed = verify.isSuccess || (verified && verify.isIdle);
  const invalid =
    authCodeOf(verify.error) === "INVALID_TOKEN" ||
    (verify.isIdle && (error === "invalid_token" || (!token && !verified)));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    verify.mutate({ token });
  }

  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Confirm your email</h1>
        {confirmed ? (
          <>
            <Alert kind="success" title="Email confirmed">
              Thank you: your email address is confirmed.
            </Alert>
            <Link href="/" className="btn btn-primary btn-block">
              Continue to your account
            </Link>
          </>
        ) : invalid ? (
          <Alert kind="error" title="This link is invalid or has expired">
            Links work once and expire after a while. Sign in and ask for a new one on your{" "}
            <Link href="/">account page</Link>.
          </Alert>
        ) : (
          <>
            <p className="muted">One click and your email address is confirmed.</p>
            {verify.isError ? (
              <Alert kind="error">{errorMessage(verify.error)}</Alert>
            ) : verify.isIdle && error ? (
              <Alert kind="error">{formErrorMessage("verify-email", error, undefined)}</Alert>
            ) : null}
            <form method="post" action="/api/auth/verify-email" onSubmit={onSubmit}>
              <input type="hidden" name="token" value={token} />
              <Button
                type="submit"
                className="btn-block"
                pending={verify.isPending}
                pendingLabel="Confirming…"
              >
                Confirm my email
              </Button>
            </form>
          </>
        )}
      </div>
    </div>
  );
}
