"use client";

import {
  useSyncExternalStore,
  type ComponentProps,
  type FormEvent,
  type InputHTMLAttributes,
  type ReactNode,
  type RefObject,
} from "react";

import type { FieldErrors } from "~/lib/errors";

import { Spinner } from "./ui";

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name"> {
  name: string;
  label: string;
  error?: string | undefined;
  hint?: string;
}

/** A labelled input whose error (or hint) is tied to it for screen readers. */
export function Field({ name, label, error, hint, required, ...input }: FieldProps) {
  const id = `field-${name}`;
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>
        {label}
        {required ? null : <span className="optional"> (optional)</span>}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        required={required}
        {...input}
      />
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

interface FieldSetProps {
  errors: FieldErrors;
  onEdit: (name: string) => void;
}

/** The email field of the sign-in and registration forms. */
export function EmailField({
  errors,
  onEdit,
  autoComplete,
  autoFocus,
}: FieldSetProps & { autoComplete: "username" | "email"; autoFocus?: boolean }) {
  return (
    <Field
      name="email"
      label="Email"
      type="email"
      autoComplete={autoComplete}
      inputMode="email"
      autoCapitalize="none"
      spellCheck={false}
      required
      autoFocus={autoFocus}
      error={errors.email}
      onChange={() => onEdit("email")}
    />
  );
}

/** A new password and its confirmation (registration, password change). */
export function NewPasswordFields({
  errors,
  onEdit,
  name,
  confirmName,
  label,
  confirmLabel,
  hint,
}: FieldSetProps & {
  name: string;
  confirmName: string;
  label: string;
  confirmLabel: string;
  hint: string;
}) {
  return (
    <>
      <Field
        name={name}
        label={label}
        type="password"
        autoComplete="new-password"
        required
        hint={hint}
        error={errors[name]}
        onChange={() => onEdit(name)}
      />
      <Field
        name={confirmName}
        label={confirmLabel}
        type="password"
        autoComplete="new-password"
        required
        error={errors[confirmName]}
        onChange={() => onEdit(confirmName)}
      />
    </>
  );
}

/** The server's password bounds (packages/api/src/schemas.ts), as every form states them. */
export const NEW_PASSWORD_HINT = "8 to 256 characters. A few unrelated words make a strong one.";

const subscribeNever = () => () => undefined;

/** False in the server's HTML and during hydration, true once React runs in the browser. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false,
  );
}

/**
 * A form that works before (and without) JavaScript: a plain POST to `action` (the server's
 * form endpoint, with its own validation); once hydrated, `onSubmit` takes over and the
 * browser's own validation bubbles give way to the server's messages beside each field.
 */
export function ApiForm({
  formRef,
  label,
  action,
  onSubmit,
  children,
}: {
  formRef: RefObject<HTMLFormElement | null>;
  label: string;
  action?: string;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  children: ReactNode;
}) {
  const hydrated = useHydrated();
  return (
    <form
      ref={formRef}
      method="post"
      action={action}
      noValidate={hydrated}
      onSubmit={onSubmit}
      className="form"
      aria-label={label}
    >
      {children}
    </form>
  );
}

interface ButtonProps extends ComponentProps<"button"> {
  variant?: "primary" | "secondary" | "danger" | "ghost";
  pending?: boolean;
  pendingLabel?: string;
}

export function Button({
  variant = "primary",
  pending = false,
  pendingLabel,
  children,
  disabled,
  className,
  ...rest
}: ButtonProps) {
  return (
    <button
      type="button"
      {...rest}
      className={`btn btn-${variant}${className ? ` ${className}` : ""}`}
      disabled={disabled || pending}
      aria-busy={pending || undefined}
    >
      {pending ? <Spinner label={pendingLabel ?? "Working…"} /> : children}
    </button>
  );
}

export function formString(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === "string" ? value : "";
}
