"use client";

import Link from "next/link";
import { useState } from "react";

import type { AuthUser } from "@authkit/client";

import { Button } from "~/components/form";
import { Icon } from "~/components/icon";
import { RequireAuth } from "~/components/require-auth";
import { Alert, Badge, Card, PageLoading } from "~/components/ui";
import { errorMessage, isForbidden } from "~/lib/errors";
import { formatDate } from "~/lib/format";
import { trpc } from "~/lib/trpc";

export default function AdminPage() {
  return <RequireAuth>{(user) => <Admin me={user} />}</RequireAuth>;
}

function Admin({ me }: { me: AuthUser }) {
  const utils = trpc.useUtils();
  // The server decides who is an admin: a role cached in this page could be out of date.
  const users = trpc.admin.users.useQuery();
  const [notice, setNotice] = useState<string | null>(null);
  const setRole = trpc.admin.setRole.useMutation({
    onSuccess: (_result, { userId, role }) => {
      const email = users.data?.find((u) => u.id === userId)?.email ?? "The user";
      setNotice(`${email} is now ${role === "admin" ? "an administrator" : "a regular user"}.`);
      return utils.admin.users.invalidate();
    },
  });

  if (users.isPending) return <PageLoading label="Loading users…" />;
  if (users.isError && isForbidden(users.error)) return <NotAllowed email={me.email} />;

  return (
    <div className="page page-wide">
      <header className="page-header">
        <h1>Users</h1>
        <p className="muted">
          {users.data
            ? `${plural(users.data.length, "user")}, ${plural(users.data.filter((u) => u.role === "admin").length, "admin")}. `
            : null}
          Role changes take effect right away.
        </p>
      </header>
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      {setRole.isError ? (
        <Alert kind="error" title="Couldn't change the role">
          {errorMessage(setRole.error)}
        </Alert>
      ) : null}
      {users.isError ? (
        <Alert kind="error" title="Couldn't load users">
          {errorMessage(users.error)}{" "}
          <button type="button" className="link-button" onClick={() => void users.refetch()}>
            Try again
          </button>
        </Alert>
      ) : (
        <Card>
          <table className="table">
            <caption className="visually-hidden">Users and their roles</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => {
                const isMe = user.id === me.id;
                const target = user.role === "admin" ? "user" : "admin";
                return (
                  <tr key={user.id}>
                    <td data-label="User">
                      <span className="user-name">{user.name || "—"}</span>
                      <span className="user-email">{user.email}</span>
                    </td>
                    <td data-label="Role">
                      <Badge tone={user.role === "admin" ? "accent" : "neutral"}>
                        {user.role === "admin" ? "Admin" : "User"}
                      </Badge>
                    </td>
                    <td data-label="Joined">{formatDate(user.createdAt)}</td>
                    <td className="cell-action">
                      {isMe ? (
                        <span className="muted small">You</span>
                      ) : (
                        <Button
                          variant="secondary"
                          className="btn-small"
                          pending={setRole.isPending && setRole.variables.userId === user.id}
                          pendingLabel="Saving…"
                          aria-label={`${target === "admin" ? "Make admin" : "Remove admin"}: ${user.email}`}
                          onClick={() => {
                            setNotice(null);
                            setRole.mutate({ userId: user.id, role: target });
                          }}
                        >
                          {target === "admin" ? "Make admin" : "Remove admin"}
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

function NotAllowed({ email }: { email: string }) {
  return (
    <div className="page">
      <div className="empty-state" role="alert">
        <div className="empty-icon" aria-hidden="true">
          <Icon name="lock" size={28} />
        </div>
        <h1>Not allowed</h1>
        <p className="muted">
          This page is for administrators. You&apos;re signed in as <strong>{email}</strong>, which
          isn&apos;t an administrator account.
        </p>
        <Link href="/" className="btn btn-secondary">
          Back to your account
        </Link>
      </div>
    </div>
  );
}
