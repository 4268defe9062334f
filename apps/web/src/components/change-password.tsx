"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, type FormEvent } from "react";

import { errorMessage, isPlainBadRequest } from "~/lib/errors";
import { useTRPC } from "~/lib/trpc";

import { Button, Field, formString } from "./form";
import { Alert } from "./ui";
import { useFieldErrors } from "./use-field-errors";

export function ChangePasswordForm({ email }: { email: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      // Other sessions were revoked: the sessions list is out of date.
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.session.list.queryKey() }),
    }),
  );
  const { errors, startSubmit, onEdit } = useFieldErrors(change.error, formRef);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const newPassword = formString(data, "newPassword");
    const mismatch = newPassword !== formString(data, "confirmNewPassword");
    startSubmit(mismatch ? { confirmNewPassword: "Passwords don't match" } : {});
    change.reset();
    if (mismatch) return;
    const form = event.currentTarget;
    change.mutate(
      { currentPassword: formString(data, "currentPassword"), newPassword },
      { onSuccess: () => form.reset() },
    );
  }

  // "Current password is incorrect" belongs next to that field, not at the top.
  const wrongCurrent = change.error !== null && isPlainBadRequest(change.error);
  const formError =
    change.error && !wrongCurrent && Object.keys(errors).length === 0
      ? errorMessage(change.error)
      : null;
  return (
    <form
      ref={formRef}
      method="post"
      noValidate
      onSubmit={onSubmit}
      className="form"
      aria-label="Change password"
    >
      {change.isSuccess ? (
        <Alert kind="success" title="Password changed">
          Every other session has been signed out.
        </Alert>
      ) : null}
      {formError ? <Alert kind="error">{formError}</Alert> : null}
      {/* Lets password managers file the new password under the right account. */}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field
        name="currentPassword"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        error={errors.currentPassword ?? (wrongCurrent ? change.error?.message : undefined)}
        onChange={() => onEdit("currentPassword")}
      />
      <div className="field-row">
        <Field
          name="newPassword"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters."
          error={errors.newPassword}
          onChange={() => onEdit("newPassword")}
        />
        <Field
          name="confirmNewPassword"
          label="Confirm new password"
          type="password"
          autoComplete="new-password"
          required
          error={errors.confirmNewPassword}
          onChange={() => onEdit("confirmNewPassword")}
        />
      </div>
      <div className="form-actions">
        <Button type="submit" pending={change.isPending} pendingLabel="Changing…">
          Change password
        </Button>
      </div>
    </form>
  );
}
