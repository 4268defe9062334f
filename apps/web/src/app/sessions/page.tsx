"use client";

import { useState } from "react";

import { Button } from "~/components/form";
import { Icon } from "~/components/icon";
import { MfaRequired } from "~/components/mfa-required";
import { RequireAuth } from "~/components/require-auth";
import { Alert, Badge, Card, PageLoading } from "~/components/ui";
import { authCodeOf, errorMessage } from "~/lib/errors";
import { describeUserAgent, deviceKind, formatDateTime, formatRelative } from "~/lib/format";
import { trpc } from "~/lib/trpc";

/** This device on top, then the others by last activity (the server's order). */
function currentFirst<T extends { current: boolean }>(sessions: T[]): T[] {
  return [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
}

export default function SessionsPage() {
  return <RequireAuth>{() => <Sessions />}</RequireAuth>;
}

function Sessions() {
  const utils = trpc.useUtils();
  // Always re-read on visit: "last active" and revocations elsewhere change between visits.
  const sessions = trpc.session.list.useQuery(undefined, { staleTime: 0 });
  const [revoked, setRevoked] = useState<string | null>(null);
  const revoke = trpc.session.revoke.useMutation({
    onSuccess: (_result, { id }) => {
      const session = sessions.data?.find((s) => s.id === id);
      setRevoked(session ? describeUserAgent(session.userAgent) : "The session");
      return utils.session.list.invalidate();
    },
  });

  // MFA_REQUIRED_FOR=all, and this session has not proven a second factor yet.
  if (sessions.isError && authCodeOf(sessions.error) === "MFA_REQUIRED")
    return (
      <MfaRequired who="everyone" backTo="/sessions" onVerified={() => void sessions.refetch()} />
    );

  return (
    <div className="page">
      <header className="page-header">
        <h1>Sessions</h1>
        <p className="muted">
          Every browser and device signed in to your account. Revoke any you don&apos;t recognise.
        </p>
      </header>
      {revoked ? (
        <Alert kind="success" title="Session revoked">
          {revoked} is signed out right away.
        </Alert>
      ) : null}
      {revoke.isError ? (
        <Alert kind="error" title="Couldn't revoke the session">
          {errorMessage(revoke.error)}
        </Alert>
      ) : null}
      <Card>
        {sessions.isPending ? (
          <PageLoading label="Loading sessions…" />
        ) : sessions.isError ? (
          <Alert kind="error" title="Couldn't load your sessions">
            {errorMessage(sessions.error)}{" "}
            <button type="button" className="link-button" onClick={() => void sessions.refetch()}>
              Try again
            </button>
          </Alert>
        ) : (
          <ul className="session-list" aria-label="Active sessions">
            {currentFirst(sessions.data).map((session) => {
              const device = describeUserAgent(session.userAgent);
              return (
                <li
                  key={session.id}
                  className="session-item"
                  data-current={session.current || undefined}
                >
                  <div className="session-icon" aria-hidden="true">
                    <Icon name={deviceKind(session.userAgent)} strokeWidth={1.8} />
                  </div>
                  <div className="session-main">
                    <p className="session-device">
                      {device} {session.current ? <Badge tone="success">This device</Badge> : null}
                    </p>
                    <p className="session-meta muted">
                      Active{" "}
                      <time dateTime={session.lastUsedAt}>
                        {formatRelative(session.lastUsedAt)}
                      </time>{" "}
                      · Signed in{" "}
                      <time dateTime={session.createdAt}>{formatDateTime(session.createdAt)}</time>
                    </p>
                  </div>
                  {session.current ? null : (
                    <div className="session-action">
                      <Button
                        variant="secondary"
                        className="btn-small"
                        pending={revoke.isPending && revoke.variables.id === session.id}
                        pendingLabel="Revoking…"
                        aria-label={`Revoke ${device}, signed in ${formatDateTime(session.createdAt)}`}
                        onClick={() => {
                          setRevoked(null);
                          revoke.mutate({ id: session.id });
                        }}
                      >
                        Revoke
                      </Button>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Card>
    </div>
  );
}
