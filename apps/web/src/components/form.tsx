"use client";

import {
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type ComponentProps,
  type FormEvent,
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  type RefObject,
} from "react";

import type { FieldErrors } from "~/lib/errors";

import { PasswordStrength } from "./password-strength";
import { Spinner } from "./ui";

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name"> {
  name: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  /** Shown under the error or hint, and described by as well (a password's strength meter). */
  extra?: { id: string; content: ReactNode };
  ref?: Ref<HTMLInputElement>;
}

/** A labelled input whose error (or hint) is tied to it for screen readers. */
export function Field({ name, label, error, hint, extra, required, ...input }: FieldProps) {
  const id = `field-${name}`;
  const describedBy =
    [error ? `${id}-error` : hint ? `${id}-hint` : undefined, extra?.id]
      .filter(Boolean)
      .join(" ") || undefined;
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
      {extra?.content}
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
}: FieldSetProps & {
  autoComplete: "username" | "username webauthn" | "email";
  autoFocus?: boolean;
}) {
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

const noUserInputs = () => [];

interface NewPasswordProps {
  name: string;
  label: string;
  hint: string;
  /** What the account gives away (its email, its name), read when the meter runs. */
  userInputs?: () => string[];
}

/**
 * A new password, its strength meter and its confirmation (registration, password change,
 * reset).
 */
export function NewPasswordFields({
  errors,
  onEdit,
  confirmName,
  confirmLabel,
  ...password
}: FieldSetProps & NewPasswordProps & { confirmName: string; confirmLabel: string }) {
  return (
    <>
      <NewPasswordField errors={errors} onEdit={onEdit} {...password} />
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

/** The new password itself, with the meter: the server's own rule, loaded at the first character. */
function NewPasswordField({
  errors,
  onEdit,
  name,
  label,
  hint,
  userInputs = noUserInputs,
}: FieldSetProps & NewPasswordProps) {
  const [password, setPassword] = useState("");
  // A form reset (after a password change) empties the field without an input event.
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const form = inputRef.current?.form;
    const clear = () => setPassword("");
    form?.addEventListener("reset", clear);
    return () => form?.removeEventListener("reset", clear);
  }, []);
  const meterId = `field-${name}-strength`;
  return (
    <Field
      name={name}
      label={label}
      type="password"
      autoComplete="new-password"
      required
      hint={hint}
      error={errors[name]}
      ref={inputRef}
      extra={{
        id: meterId,
        content: <PasswordStrength id={meterId} password={password} userInputs={userInputs} />,
      }}
      onChange={(event) => {
        setPassword(event.currentTarget.value);
        onEdit(name);
      }}
    />
  );
}

/** The server's password rules (packages/api/src/schemas.ts, the password policy), as every form states them. */
export const NEW_PASSWORD_HINT =
  "8 to 256 characters, and not a common password. A few unrelated words make a strong one.";

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
