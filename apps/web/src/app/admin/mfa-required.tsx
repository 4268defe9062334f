"use client";

import Link from "next/link";
import { useState } from "react";

import { Button } from "~/components/form";
import { Icon } from "~/components/icon";
import { ReauthDialog } from "~/components/reauth-dialog";
import { PageLoading } from "~/components/ui";
import { trpc } from "~/lib/trpc";

/**
 * MFA_REQUIRED_FOR=admin: the admin procedures answer MFA_REQUIRED until this session's token
 * says a second factor was proven. Without a factor, the way on is to set one up (and come
 * back); with one, a code from the app re-proves this session, and `onVerified` asks again.
 */
export function MfaRequired({ onVerified }: { onVerified: () => void }) {
  const factors = trpc.mfa.factors.useQuery(undefined, { staleTime: 0 });
  const [asking, setAsking] = useState(false);
  if (factors.isPending) return <PageLoading label="Checking your second factors…" />;
  const hasFactor = (factors.data?.length ?? 0) > 0;
  return (
    <div className="page">
      <div className="empty-state" role="alert">
        <div className="empty-icon empty-icon-info" aria-hidden="true">
          <Icon name="lock" size={28} />
        </div>
        <h1>Two-step verification required</h1>
        {hasFactor ? (
          <>
            <p className="muted">
              Administrators confirm each session with a code from their authenticator app.
            </p>
            <Button onClick={() => setAsking(true)}>Enter a code</Button>
          </>
        ) : (
          <>
            <p className="muted">
              Administrators must turn on two-step verification before they can manage users.
            </p>
            <Link href="/security?next=%2Fadmin" className="btn btn-primary">
              Set up two-step verification
            </Link>
          </>
        )}
      </div>
      {asking ? (
        <ReauthDialog
          onDone={() => {
            setAsking(false);
            onVerified();
          }}
          onCancel={() => setAsking(false)}
        />
      ) : null}
    </div>
  );
}
