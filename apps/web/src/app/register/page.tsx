"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useRef, type FormEvent } from "react";

import { Button, Field, formString } from "~/components/form";
import { useFieldErrors } from "~/components/use-field-errors";
import { Alert, PageLoading } from "~/components/ui";
import { getAuthClient, useAuth } from "~/lib/auth";
import { errorMessage } from "~/lib/errors";
import { safeNext } from "~/lib/navigation";
import { useTRPC } from "~/lib/trpc";

// Rendered in the browser only, like the login form (see there).
export default function RegisterPage() {
  return (
    <Suspense fallback={<PageLoading />}>
      <Register />
    </Suspense>
  );
}

function Register() {
  const params = useSearchParams();
  const next = safeNext(params.get("next"));
  const auth = useAuth();
  const router = useRouter();
  const trpc = useTRPC();
  const formRef = useRef<HTMLFormElement>(null);

  const login = useMutation(
    trpc.auth.login.mutationOptions({ onSuccess: (session) => getAuthClient().signedIn(session) }),
  );
  const register = useMutation(
    trpc.auth.register.mutationOptions({
      // A new account signs straight in with the password just typed.
      onSuccess: (_result, input) => login.mutate({ email: input.email, password: input.password }),
    }),
  );
  const { errors, startSubmit, onEdit } = useFieldErrors(register.error, formRef);

  useEffect(() => {
    if (auth.status === "signedIn") router.replace(next);
  }, [auth.status, next, router]);

  if (auth.status === "loading") return <PageLoading label="Checking your session…" />;
  if (auth.status === "signedIn") return <PageLoading label="Signing you in…" />;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const password = formString(data, "password");
    const mismatch = password !== formString(data, "confirmPassword");
    startSubmit(mismatch ? { confirmPassword: "Passwords don't match" } : {});
    if (mismatch) return;
    const name = formString(data, "name").trim();
    register.mutate({ email: formString(data, "email"), password, ...(name ? { name } : {}) });
  }

  const failure = register.error ?? login.error;
  const formError = failure && Object.keys(errors).length === 0 ? errorMessage(failure) : null;
  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Create your account</h1>
        <p className="muted">It takes less than a minute.</p>
        {formError ? <Alert kind="error">{formError}</Alert> : null}
        <form
          ref={formRef}
          method="post"
          noValidate
          onSubmit={onSubmit}
          className="form"
          aria-label="Create account"
        >
          <Field
            name="name"
            label="Name"
            autoComplete="name"
            error={errors.name}
            onChange={() => onEdit("name")}
          />
          <Field
            name="email"
            label="Email"
            type="email"
            autoComplete="email"
            inputMode="email"
            autoCapitalize="none"
            spellCheck={false}
            required
            error={errors.email}
            onChange={() => onEdit("email")}
          />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 8 characters. A few unrelated words make a strong one."
            error={errors.password}
            onChange={() => onEdit("password")}
          />
          <Field
            name="confirmPassword"
            label="Confirm password"
            type="password"
            autoComplete="new-password"
            required
            error={errors.confirmPassword}
            onChange={() => onEdit("confirmPassword")}
          />
          <Button
            type="submit"
            pending={register.isPending || login.isPending}
            pendingLabel={login.isPending ? "Signing in…" : "Creating account…"}
            className="btn-block"
          >
            Create account
          </Button>
        </form>
        <p className="auth-switch">
          Already have an account?{" "}
          <Link href={next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`}>
            Sign in
          </Link>
        </p>
      </div>
    </div>
  );
}
