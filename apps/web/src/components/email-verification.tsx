"use client";

import { errorMessage } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

import { Button } from "./form";
import { Alert, Badge } from "./ui";

/** The account page's email state, with "send the link again" while it is unconfirmed. */
export function EmailVerification({ verified }: { verified: boolean | undefined }) {
  const resend = trpc.auth.resendVerification.useMutation();
  if (verified === undefined) return null;
  if (verified) return <Badge tone="success">Confirmed</Badge>;
  return (
    <div className="stack-small">
      <Badge tone="neutral">Not confirmed</Badge>
      {resend.isSuccess ? (
        <Alert kind="success">A new confirmation link is on its way. Check your mail.</Alert>
      ) : (
        <>
          {resend.isError ? <Alert kind="error">{errorMessage(resend.error)}</Alert> : null}
          <Button
            variant="secondary"
            className="btn-small"
            pending={resend.isPending}
            pendingLabel="Sending…"
            onClick={() => resend.mutate()}
          >
            Send confirmation link again
          </Button>
        </>
      )}
    </div>
  );
}
