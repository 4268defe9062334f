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
import { safeNext, sessionEndedMessage } from "~/lib/navigation";
import { useTRPC } from "~/lib/trpc";

// The form renders only in the browser (useSearchParams suspends the static render), so it can
// never be submitted natively before hydration and put a password in a URL.
export default function LoginPage() {
  return (
    <Suspense fallback={<PageLoading />}>
      <Login />
    </Suspense>
  );
}

function Login() {
  const params = useSearchParams();
  const rawNext = params.get("next");
  const next = safeNext(rawNext);
  const auth = useAuth();
  const router = useRouter();
  const trpc = useTRPC();
  const formRef = useRef<HTMLFormElement>(null);

  const login = useMutation(
    trpc.auth.login.mutationOptions({ onSuccess: (session) => getAuthClient().signedIn(session) }),
  );
  const { errors, startSubmit, onEdit } = useFieldErrors(login.error, formRef);

  // Signed in here, in another tab, or already by the cookie: go where the visitor was headed.
  useEffect(() => {
    if (auth.status === "signedIn") router.replace(next);
  }, [auth.status, next, router]);

  if (auth.status === "loading") return <PageLoading label="Checking your session…" />;
  if (auth.status === "signedIn") return <PageLoading label="Signing you in…" />;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startSubmit();
    login.mutate({ email: formString(data, "email"), password: formString(data, "password") });
  }

  const formError =
    login.error && Object.keys(errors).length === 0 ? errorMessage(login.error) : null;
  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Sign in</h1>
        <p className="muted">Welcome back. Enter your email and password.</p>
        {auth.reason === "ended" ? (
          <Alert kind="info" title="Your session has ended">
            {sessionEndedMessage(auth.cause)}
          </Alert>
        ) : null}
        {auth.reason === "logout" ? <Alert kind="success" title="You're signed out" /> : null}
        {auth.reason === "unreachable" ? (
          <Alert kind="error" title="Can't reach the server">
            Check your connection, then reload the page.
          </Alert>
        ) : null}
        {auth.reason === null && rawNext && next !== "/" ? (
          <Alert kind="info">Please sign in to continue.</Alert>
        ) : null}
        {formError ? <Alert kind="error">{formError}</Alert> : null}
        <form
          ref={formRef}
          method="post"
          noValidate
          onSubmit={onSubmit}
          className="form"
          aria-label="Sign in"
        >
          <Field
            name="email"
            label="Email"
            type="email"
            autoComplete="username"
            inputMode="email"
            autoCapitalize="none"
            spellCheck={false}
            required
            autoFocus
            error={errors.email}
            onChange={() => onEdit("email")}
          />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete="current-password"
            required
            error={errors.password}
            onChange={() => onEdit("password")}
          />
          <Button
            type="submit"
            pending={login.isPending}
            pendingLabel="Signing in…"
            className="btn-block"
          >
            Sign in
          </Button>
        </form>
        <p className="auth-switch">
          New here?{" "}
          <Link href={rawNext ? `/register?next=${encodeURIComponent(next)}` : "/register"}>
            Create an account
          </Link>
        </p>
      </div>
    </div>
  );
}
