"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";

import type { AuthUser } from "@authkit/client";

import { Button } from "~/components/form";
import { Icon } from "~/components/icon";
import { MfaRequired } from "~/components/mfa-required";
import { RequireAuth } from "~/components/require-auth";
import { runGuarded, shownError, useStepUp } from "~/components/use-step-up";
import { Alert, Badge, Card, PageLoading } from "~/components/ui";
import { authCodeOf, errorMessage, isForbidden } from "~/lib/errors";
import { formatDate } from "~/lib/format";
import { trpc } from "~/lib/trpc";

import { ACTIONS, ConfirmAction, type UserAction } from "./user-actions";

const PAGE_SIZE = 20;

export default function AdminPage() {
  return <RequireAuth>{(user) => <Admin me={user} />}</RequireAuth>;
}

function Admin({ me }: { me: AuthUser }) {
  const utils = trpc.useUtils();
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState("");
  // The server decides who is an admin: a role cached in this page could be out of date.
  const users = trpc.admin.users.useQuery({
    page,
    pageSize: PAGE_SIZE,
    ...(search ? { email: search } : {}),
  });
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<{ userId: string; action: UserAction } | null>(null);
  // After Cancel, focus goes back to the button that asked (as in "Sign out everywhere").
  const [cancelled, setCancelled] = useState<{ userId: string; action: UserAction } | null>(null);
  const done = (action: UserAction, userId: string) => {
    const email = users.data?.users.find((u) => u.id === userId)?.email ?? "The user";
    setNotice(ACTIONS[action].done(email));
    setConfirming(null);
    return utils.admin.users.invalidate();
  };
  const setRole = trpc.admin.setRole.useMutation({
    onSuccess: (_r, { userId, role }) =>
      done(role === "admin" ? "makeAdmin" : "removeAdmin", userId),
  });
  const disable = trpc.admin.disableUser.useMutation({
    onSuccess: (_r, { userId }) => done("disable", userId),
  });
  const enable = trpc.admin.enableUser.useMutation({
    onSuccess: (_r, { userId }) => done("enable", userId),
  });
  const revoke = trpc.admin.revokeSessions.useMutation({
    onSuccess: (_r, { userId }) => done("revokeSessions", userId),
  });
  const mutations = [setRole, disable, enable, revoke];
  const pending = mutations.some((m) => m.isPending);
  const failed = mutations.find((m) => shownError(m.error))?.error;

  // Admin actions may be fresh-guarded (REAUTHENTICATION_REQUIRED): confirm, then retried.
  const stepUp = useStepUp();

  function perform(userId: string, action: UserAction): Promise<unknown> {
    if (action === "makeAdmin" || action === "removeAdmin")
      return setRole.mutateAsync({ userId, role: action === "makeAdmin" ? "admin" : "user" });
    if (action === "disable") return disable.mutateAsync({ userId });
    if (action === "enable") return enable.mutateAsync({ userId });
    return revoke.mutateAsync({ userId });
  }

  function run(userId: string, action: UserAction) {
    for (const m of mutations) m.reset();
    runGuarded(stepUp.guard, async () => {
      await perform(userId, action);
    });
  }

  function onSearch(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get("email");
    setSearch(typeof value === "string" ? value.trim() : "");
    setPage(1);
    setConfirming(null);
  }

  if (users.isPending && !users.data) return <PageLoading label="Loading users…" />;
  if (users.isError && authCodeOf(users.error) === "MFA_REQUIRED")
    return <MfaRequired who="admins" backTo="/admin" onVerified={() => void users.refetch()} />;
  if (users.isError && isForbidden(users.error)) return <NotAllowed email={me.email} />;

  const pages = users.data ? Math.max(1, Math.ceil(users.data.total / users.data.pageSize)) : 1;

  return (
    <div className="page page-wide">
      <header className="page-header">
        <h1>Users</h1>
        <p className="muted">
          {users.data
            ? `${plural(users.data.total, "user")}${search ? ` matching “${search}”` : ""}. `
            : null}
          Changes take effect right away, on every device.
        </p>
      </header>
      <form className="toolbar" role="search" aria-label="Users" onSubmit={onSearch}>
        <label htmlFor="user-search">Search by email</label>
        <input id="user-search" name="email" type="search" defaultValue={search} maxLength={254} />
        <Button type="submit" variant="secondary" className="btn-small">
          Search
        </Button>
      </form>
      {stepUp.dialog}
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      {failed ? (
        <Alert kind="error" title="Couldn't save the change">
          {authCodeOf(failed) === "LAST_ADMIN"
            ? "The last active administrator can't be disabled or demoted. Make someone else an administrator first."
            : shownError(failed)}
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
            <caption className="visually-hidden">Users, their roles and status</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((user) => {
                const isMe = user.id === me.id;
                const actions: UserAction[] = [
                  user.role === "admin" ? "removeAdmin" : "makeAdmin",
                  user.disabled ? "enable" : "disable",
                  "revokeSessions",
                ];
                const asked = confirming?.userId === user.id ? confirming.action : null;
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
                    <td data-label="Status">
                      <Badge tone={user.disabled ? "neutral" : "success"}>
                        {user.disabled ? "Disabled" : "Active"}
                      </Badge>{" "}
                      {user.emailVerified ? null : (
                        <span className="muted small status-note">Email not confirmed</span>
                      )}
                    </td>
                    <td data-label="Joined">{formatDate(user.createdAt)}</td>
                    <td className="cell-action">
                      {isMe ? (
                        <span className="muted small">You</span>
                      ) : asked ? (
                        <ConfirmAction
                          action={asked}
                          email={user.email}
                          pending={pending}
                          onConfirm={() => run(user.id, asked)}
                          onCancel={() => {
                            setCancelled(confirming);
                            setConfirming(null);
                          }}
                        />
                      ) : (
                        <div className="row-actions">
                          {actions.map((action) => (
                            <Button
                              key={action}
                              variant="secondary"
                              className="btn-small"
                              aria-label={`${ACTIONS[action].label}: ${user.email}`}
                              autoFocus={
                                cancelled?.userId === user.id && cancelled.action === action
                              }
                              onClick={() => {
                                setNotice(null);
                                setConfirming({ userId: user.id, action });
                              }}
                            >
                              {ACTIONS[action].label}
                            </Button>
                          ))}
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <nav className="pagination" aria-label="Pages of users">
            <Button
              variant="ghost"
              className="btn-small"
              disabled={page <= 1}
              onClick={() => setPage((p) => Math.max(1, p - 1))}
            >
              Previous
            </Button>
            <span aria-live="polite">
              Page {Math.min(page, pages)} of {pages}
            </span>
            <Button
              variant="ghost"
              className="btn-small"
              disabled={page >= pages}
              onClick={() => setPage((p) => p + 1)}
            >
              Next
            </Button>
          </nav>
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
