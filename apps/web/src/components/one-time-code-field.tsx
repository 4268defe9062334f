"use client";

import { Field } from "./form";

/**
 * The 6-digit code of an authenticator app: the keyboard phones show for numbers, and the
 * autofill hint that lets a browser or password manager offer the code.
 */
export function OneTimeCodeField({
  label = "Authentication code",
  autoFocus,
  error,
  onEdit,
}: {
  label?: string;
  autoFocus?: boolean;
  error: string | undefined;
  onEdit: () => void;
}) {
  return (
    <Field
      name="code"
      label={label}
      type="text"
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9 ]*"
      maxLength={7}
      spellCheck={false}
      autoFocus={autoFocus}
      required
      hint="6 digits, from your authenticator app."
      error={error}
      onChange={onEdit}
    />
  );
}

/** What a person typed, as the server wants it: digits only ("123 456" → "123456"). */
export const oneTimeCode = (typed: string) => typed.replace(/\s+/g, "");
