"use client";

import { Field } from "~/components/form";
import { OneTimeCodeField } from "~/components/one-time-code-field";
import type { FieldErrors } from "~/lib/errors";

export type SecondFactorMethod = "totp" | "recovery_code";

/**
 * The second step's one field: the authenticator app's code, or a recovery code. Shared by the
 * step in the sign-in form (tRPC) and the server-rendered page without JavaScript (a form post).
 */
export function SecondFactorFields({
  method,
  errors,
  onEdit,
}: {
  method: SecondFactorMethod;
  errors: FieldErrors;
  /** The form with JavaScript hides a field's error once it is edited. */
  onEdit?: (name: string) => void;
}) {
  return method === "totp" ? (
    <OneTimeCodeField autoFocus error={errors.code} onEdit={() => onEdit?.("code")} />
  ) : (
    <Field
      name="recoveryCode"
      label="Recovery code"
      type="text"
      autoComplete="off"
      autoCapitalize="none"
      spellCheck={false}
      autoFocus
      required
      hint="One of the codes you saved when you turned on two-step verification."
      error={errors.recoveryCode}
      onChange={() => onEdit?.("recoveryCode")}
    />
  );
}

export const SECOND_STEP_INTRO: Record<SecondFactorMethod, string> = {
  totp: "Enter the 6-digit code from your authenticator app.",
  recovery_code: "Enter one of your recovery codes. Each code works once.",
};
