"use client";

import Link from "next/link";

import { Button } from "~/components/form";
import { Alert } from "~/components/ui";
import { authCodeOf, errorMessage } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

/**
 * Confirms on a click, not on load: mail scanners that open links (and run their scripts) must
 * not use the token up before the person does.
 */
export function VerifyEmail({ token }: { token: string }) {
  const verify = trpc.auth.verifyEmail.useMutation();
  const invalid = !token || authCodeOf(verify.error) === "INVALID_TOKEN";

  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Confirm your email</h1>
        {verify.isSuccess ? (
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
            {verify.isError ? <Alert kind="error">{errorMessage(verify.error)}</Alert> : null}
            <Button
              className="btn-block"
              pending={verify.isPending}
              pendingLabel="Confirming…"
              onClick={() => verify.mutate({ token })}
            >
              Confirm my email
            </Button>
          </>
        )}
      </div>
    </div>
  );
}
