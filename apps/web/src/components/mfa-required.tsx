"use client";

import Link from "next/link";
import { useState } from "react";

import { Button } from "~/components/form";
import { Icon } from "~/components/icon";
import { ReauthDialog } from "~/components/reauth-dialog";
import { PageLoading } from "~/components/ui";
import { trpc } from "~/lib/trpc";

/**
 * MFA_REQUIRED_FOR=admin (for /admin) or =all (for any page): the server answers MFA_REQUIRED
 * until this session's token says a second factor was proven. Without a factor, the way on is
 * to set one up on /security (which sends the user back to `backTo`); with one, a code from the
 * app re-proves this session, and `onVerified` asks again.
 */
export function MfaRequired({
  who,
  backTo,
  onVerified,
}: {
  /** Whom the server's policy asks: administrators, or every account. */
  who: "admins" | "everyone";
  /** This page's path, for /security's `?next=`. */
  backTo: string;
  onVerified: () => void;
}) {
  const subject = who === "admins" ? "Administrators" : "Every account on this site";
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
              {who === "admins" ? "Administrators confirm" : "This site asks you to confirm"} each
              session with a code from your authenticator app.
            </p>
            <Button onClick={() => setAsking(true)}>Enter a code</Button>
          </>
        ) : (
          <>
            <p className="muted">
              {subject} must turn on two-step verification
              {who === "admins" ? " before they can manage users" : " before going on"}.
            </p>
            <Link href={`/security?next=${encodeURIComponent(backTo)}`} className="btn btn-primary">
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
