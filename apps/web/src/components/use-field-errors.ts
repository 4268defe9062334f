"use client";

import { useCallback, useEffect, useState, type RefObject } from "react";

import { errorMessage, fieldErrors, type FieldErrors } from "~/lib/errors";

export interface SubmitErrors {
  /** Per-field messages: the server's zod messages plus local checks, minus edited fields. */
  errors: FieldErrors;
  /** The message for the form as a whole (not about one field), or null. */
  formError: string | null;
  startSubmit: (localErrors?: FieldErrors) => void;
  onEdit: (name: string) => void;
}

/**
 * The errors of a form's last submit. Each field's message hides as soon as that field is
 * edited. After a failed submit focus moves to the problem, so keyboard and screen-reader
 * users land on it: the first invalid field, or else the form's error message.
 *
 * `toField` claims a plain server error for one field (e.g. "Current password is incorrect").
 */
export function useSubmitErrors(
  serverError: unknown,
  formRef: RefObject<HTMLFormElement | null>,
  toField?: (error: unknown) => FieldErrors | undefined,
): SubmitErrors {
  const [local, setLocal] = useState<FieldErrors>({});
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());

  const claimed = serverError ? toField?.(serverError) : undefined;
  const all: FieldErrors = { ...fieldErrors(serverError), ...claimed, ...local };
  const errors: FieldErrors = {};
  for (const [name, message] of Object.entries(all)) if (!edited.has(name)) errors[name] = message;
  const formError =
    serverError && !claimed && Object.keys(all).length === 0 ? errorMessage(serverError) : null;

  useEffect(() => {
    if (!serverError && Object.keys(local).length === 0) return;
    const form = formRef.current;
    const target =
      form?.querySelector<HTMLElement>("[aria-invalid='true']") ??
      form?.querySelector<HTMLElement>("[data-form-error]");
    target?.focus();
  }, [serverError, local, formRef]);

  const startSubmit = useCallback((localErrors: FieldErrors = {}) => {
    setLocal(localErrors);
    setEdited(new Set());
  }, []);

  const onEdit = useCallback((name: string) => {
    setEdited((prev) => (prev.has(name) ? prev : new Set(prev).add(name)));
  }, []);

  return { errors, formError, startSubmit, onEdit };
}
