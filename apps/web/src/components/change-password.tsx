"use client";

import { useCallback, useRef, type FormEvent } from "react";

import { authCodeOf, passwordPolicyError } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

import { ApiForm, Button, Field, formString, NEW_PASSWORD_HINT, NewPasswordFields } from "./form";
import { Alert } from "./ui";
import { useSubmitErrors } from "./use-field-errors";

const newPasswordRefused = passwordPolicyError("newPassword");

/**
 * "Current password is incorrect" belongs next to that field, and a new password the policy
 * refused next to its own; neither at the top.
 */
const besideTheirField = (error: unknown) =>
  authCodeOf(error) === "WRONG_PASSWORD" && error instanceof Error
    ? { currentPassword: error.message }
    : newPasswordRefused(error);

export function ChangePasswordForm({ email }: { email: string }) {
  const utils = trpc.useUtils();
  const formRef = useRef<HTMLFormElement>(null);
  const change = trpc.auth.changePassword.useMutation({
    // Other sessions were revoked: the sessions list is out of date.
    onSuccess: () => utils.session.list.invalidate(),
  });
  const { errors, formError, startSubmit, onEdit } = useSubmitErrors(
    change.error,
    formRef,
    besideTheirField,
  );
  const userInputs = useCallback(() => [email], [email]);

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

  return (
    <ApiForm formRef={formRef} label="Change password" onSubmit={onSubmit}>
      {change.isSuccess ? (
        <Alert kind="success" title="Password changed">
          Every other session has been signed out.
        </Alert>
      ) : formError ? (
        <Alert kind="error" formError>
          {formError}
        </Alert>
      ) : null}
      {/* Lets password managers file the new password under the right account. */}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field
        name="currentPassword"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        error={errors.currentPassword}
        onChange={() => onEdit("currentPassword")}
      />
      <div className="field-row">
        <NewPasswordFields
          name="newPassword"
          label="New password"
          confirmName="confirmNewPassword"
          confirmLabel="Confirm new password"
          hint={NEW_PASSWORD_HINT}
          errors={errors}
          onEdit={onEdit}
          userInputs={userInputs}
        />
      </div>
      <div className="form-actions">
        <Button type="submit" pending={change.isPending} pendingLabel="Changing…">
          Change password
        </Button>
      </div>
    </ApiForm>
  );
}
