"use client";

import { errorMessage } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

/** After EMAIL_NOT_VERIFIED: sends the verification link again (same answer for any email). */
export function ResendVerification({ email }: { email: string }) {
  const resend = trpc.auth.requestVerificationEmail.useMutation();
  if (resend.isSuccess) return <p role="status">A new link is on its way to {email}.</p>;
  return (
    <p>
      {resend.isError ? <span>{errorMessage(resend.error)} </span> : null}
      <button
        type="button"
        className="link-button"
        disabled={resend.isPending}
        onClick={() => resend.mutate({ email })}
      >
        {resend.isPending ? "Sending…" : "Send the confirmation link again"}
      </button>
    </p>
  );
}
