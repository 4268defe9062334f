"use client";

import { useCallback, useEffect, useState, type RefObject } from "react";

import { fieldErrors, type FieldErrors } from "~/lib/errors";

/**
 * Field errors from the last submit (the server's zod messages plus local checks), each one
 * hidden as soon as the user edits that field. After a failed submit the first invalid field
 * takes focus, so keyboard and screen-reader users land on the problem.
 */
export function useFieldErrors(serverError: unknown, formRef: RefObject<HTMLFormElement | null>) {
  const [local, setLocal] = useState<FieldErrors>({});
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());

  const all: FieldErrors = { ...fieldErrors(serverError), ...local };
  const errors: FieldErrors = {};
  for (const [name, message] of Object.entries(all)) if (!edited.has(name)) errors[name] = message;

  useEffect(() => {
    if (!serverError && Object.keys(local).length === 0) return;
    formRef.current?.querySelector<HTMLInputElement>("[aria-invalid='true']")?.focus();
  }, [serverError, local, formRef]);

  const startSubmit = useCallback((localErrors: FieldErrors = {}) => {
    setLocal(localErrors);
    setEdited(new Set());
  }, []);

  const onEdit = useCallback((name: string) => {
    setEdited((prev) => (prev.has(name) ? prev : new Set(prev).add(name)));
  }, []);

  return { errors, startSubmit, onEdit, hasErrors: Object.keys(errors).length > 0 };
}
