"use client";

import Link from "next/link";
import { useCallback, useRef, useState, type FormEvent } from "react";

import {
  ApiForm,
  Button,
  EmailField,
  Field,
  formString,
  NEW_PASSWORD_HINT,
  NewPasswordFields,
} from "~/components/form";
import { useSubmitErrors } from "~/components/use-field-errors";
import { useLeaveWhenSignedIn, useLogin } from "~/components/use-sign-in";
import { FormError, PageLoading } from "~/components/ui";
import { formErrorMessage, passwordPolicyError } from "~/lib/errors";
import { withNext } from "~/lib/navigation";
import { trpc } from "~/lib/trpc";

const passwordRefused = passwordPolicyError("password");

export function RegisterForm({
  next,
  error,
  retry,
}: {
  next: string | undefined;
  error: string | undefined;
  retry: string | undefined;
}) {
  const leaving = useLeaveWhenSignedIn(next);
  const formRef = useRef<HTMLFormElement>(null);
  const [submitted, setSubmitted] = useState(false);

  const login = useLogin();
  const register = trpc.auth.register.useMutation({
    // A new account signs straight in with the password just typed.
    onSuccess: (_result, input) => login.mutate({ email: input.email, password: input.password }),
  });
  const { errors, formError, startSubmit, onEdit } = useSubmitErrors(
    register.error ?? login.error,
    formRef,
    passwordRefused,
  );
  // The meter counts a password made of the email or the name as guessed, as the server does.
  const userInputs = useCallback(() => {
    const form = formRef.current;
    return form
      ? [formString(new FormData(form), "email"), formString(new FormData(form), "name")]
      : [];
  }, []);

  if (leaving) return <PageLoading label="Signing you in…" />;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const password = formString(data, "password");
    const mismatch = password !== formString(data, "confirmPassword");
    setSubmitted(true);
    startSubmit(mismatch ? { confirmPassword: "Passwords don't match" } : {});
    if (mismatch) return;
    const name = formString(data, "name").trim();
    register.mutate({ email: formString(data, "email"), password, ...(name ? { name } : {}) });
  }

  const failed = submitted ? formError : formErrorMessage("register", error, retry);
  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Create your account</h1>
        <p className="muted">It takes less than a minute.</p>
        <ApiForm
          formRef={formRef}
          label="Create account"
          action="/api/auth/register"
          onSubmit={onSubmit}
        >
          <FormError message={failed} />
          <input type="hidden" name="next" value={next ?? ""} />
          <Field
            name="name"
            label="Name"
            autoComplete="name"
            hint="At most 100 characters."
            error={errors.name}
            onChange={() => onEdit("name")}
          />
          <EmailField autoComplete="email" errors={errors} onEdit={onEdit} />
          <NewPasswordFields
            name="password"
            label="Password"
            confirmName="confirmPassword"
            confirmLabel="Confirm password"
            hint={NEW_PASSWORD_HINT}
            errors={errors}
            onEdit={onEdit}
            userInputs={userInputs}
          />
          <Button
            type="submit"
            pending={register.isPending || login.isPending}
            pendingLabel={login.isPending ? "Signing in…" : "Creating account…"}
            className="btn-block"
          >
            Create account
          </Button>
        </ApiForm>
        <p className="auth-switch">
          Already have an account? <Link href={withNext("/login", next)}>Sign in</Link>
        </p>
      </div>
    </div>
  );
}
