"use client";

import Link from "next/link";

import type { AuthUser } from "@authkit/client";

import { ChangePasswordForm } from "~/components/change-password";
import { EmailVerification } from "~/components/email-verification";
import { RequireAuth } from "~/components/require-auth";
import { SignOutEverywhere } from "~/components/sign-out-everywhere";
import { Alert, Badge, Card } from "~/components/ui";
import { errorMessage } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

export default function AccountPage() {
  return <RequireAuth>{(user) => <Account tokenUser={user} />}</RequireAuth>;
}

function Account({ tokenUser }: { tokenUser: AuthUser }) {
  const me = trpc.user.me.useQuery();
  // The refresh response already named the user; the query confirms it with the server.
  const user = me.data ?? tokenUser;

  return (
    <div className="page">
      <header className="page-header">
        <h1>Hello, {user.name || user.email.split("@")[0]}</h1>
        <p className="muted">Your account and how it is protected.</p>
      </header>

      {me.isError ? (
        <Alert kind="error" title="Couldn't refresh your profile">
          {errorMessage(me.error)}
        </Alert>
      ) : null}

      <Card title="Profile" id="profile">
        <dl className="details" aria-busy={me.isPending || undefined}>
          <div>
            <dt>Name</dt>
            <dd>{user.name || <span className="muted">Not set</span>}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd data-testid="user-email">{user.email}</dd>
          </div>
          <div>
            <dt>Email status</dt>
            <dd data-testid="email-status">
              <EmailVerification verified={me.data?.emailVerified} />
            </dd>
          </div>
          <div>
            <dt>Role</dt>
            <dd>
              <Badge tone={user.role === "admin" ? "accent" : "neutral"}>
                {user.role === "admin" ? "Administrator" : "User"}
              </Badge>
            </dd>
          </div>
          <div>
            <dt>User ID</dt>
            <dd className="mono">{user.id}</dd>
          </div>
        </dl>
      </Card>

      <Card
        title="Change password"
        id="change-password"
        description="You stay signed in here; every other device is signed out."
      >
        <ChangePasswordForm email={user.email} />
      </Card>

      <Card
        title="Two-step verification"
        id="two-step"
        description="After your password, a code from an app on your phone: a stolen password alone no longer gets in."
      >
        <div className="form-actions">
          <Link href="/security" className="btn btn-secondary">
            Manage two-step verification
          </Link>
        </div>
      </Card>

      <Card
        title="Sign out everywhere"
        id="sign-out-all"
        description="Lost a device or signed in somewhere you shouldn't have?"
      >
        <SignOutEverywhere />
      </Card>
    </div>
  );
}
