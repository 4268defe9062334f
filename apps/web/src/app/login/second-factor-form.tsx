"use client";

import { useRef, useState, type FormEvent } from "react";

import type { SecondFactorMethod as ServerMethod } from "@authkit/client";

import { Button, formString } from "~/components/form";
import { oneTimeCode } from "~/components/one-time-code-field";
import { PasskeySecondStep } from "~/components/passkeys/passkey-second-step";
import { Alert } from "~/components/ui";
import { useSubmitErrors } from "~/components/use-field-errors";
import { getAuthClient } from "~/lib/auth";
import { authCodeOf } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

import {
  SECOND_STEP_INTRO,
  SecondFactorFields,
  type SecondFactorMethod,
} from "./second-factor-fields";

/** The challenge is spent (expired, used, or too many wrong codes): only a new sign-in helps. */
const challengeGone = (error: unknown) => authCodeOf(error) === "MFA_CHALLENGE_INVALID";

/**
 * The sign-in's second step: `auth.verifyMfa` with the challenge `auth.login` answered, then the
 * session goes to the app's token manager like any login's (and the page leaves for `next`).
 */
export function SecondFactorForm({
  challenge,
  methods,
  onRestart,
}: {
  challenge: string;
  methods: ServerMethod[];
  /** Back to the password (the challenge died); says why on the first step. */
  onRestart: (reason: string | null) => void;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [method, setMethod] = useState<SecondFactorMethod>(
    methods.includes("totp") ? "totp" : "recovery_code",
  );
  const verify = trpc.auth.verifyMfa.useMutation({
    onSuccess: (result) => {
      if (!result.mfaRequired) getAuthClient().signedIn(result);
    },
    onError: (error) => {
      if (challengeGone(error)) onRestart(error.message);
    },
  });
  const field = method === "totp" ? "code" : "recoveryCode";
  const { errors, formError, startSubmit, onEdit } = useSubmitErrors(
    verify.error,
    formRef,
    (error) =>
      error instanceof Error && authCodeOf(error) === "MFA_CODE_INVALID"
        ? { [field]: error.message }
        : undefined,
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const typed = formString(new FormData(event.currentTarget), field).trim();
    startSubmit(typed ? {} : { [field]: "Enter the code." });
    if (!typed) return;
    verify.mutate(
      method === "totp"
        ? { challenge, code: oneTimeCode(typed) }
        : { challenge, recoveryCode: typed },
    );
  }

  return (
    <form
      ref={formRef}
      className="form"
      noValidate
      onSubmit={onSubmit}
      aria-label="Verify it's you"
    >
      <p className="muted">{SECOND_STEP_INTRO[method]}</p>
      {formError ? (
        <Alert kind="error" formError>
          {formError}
        </Alert>
      ) : null}
      <SecondFactorFields key={method} method={method} errors={errors} onEdit={onEdit} />
      <Button
        type="submit"
        pending={verify.isPending}
        pendingLabel="Verifying…"
        className="btn-block"
      >
        Verify
      </Button>
      {methods.includes("passkey") ? <PasskeySecondStep challenge={challenge} /> : null}
      <p className="small second-step-links">
        {methods.includes("recovery_code") && methods.includes("totp") ? (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              verify.reset();
              setMethod(method === "totp" ? "recovery_code" : "totp");
            }}
          >
            {method === "totp" ? "Use a recovery code" : "Use your authenticator app"}
          </button>
        ) : null}
        <button type="button" className="link-button" onClick={() => onRestart(null)}>
          Start over
        </button>
      </p>
    </form>
  );
}
