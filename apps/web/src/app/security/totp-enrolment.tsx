"use client";

import { useEffect, useRef, type FormEvent } from "react";

import { Button, formString } from "~/components/form";
import { OneTimeCodeField, oneTimeCode } from "~/components/one-time-code-field";
import { QrCode } from "~/components/qr-code";
import { Alert } from "~/components/ui";
import { useSubmitErrors } from "~/components/use-field-errors";
import { authCodeOf } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

import { CopyButton } from "./copy-button";
import { runGuarded, shownError, type StepUp } from "~/components/use-step-up";

/** What `mfa.totp.begin` answers: a factor that is not enabled until a correct code. */
export interface Enrolment {
  factorId: string;
  secret: string;
  uri: string;
}

/** "JBSWY3DPEHPK3PXP" as "JBSW Y3DP EHPK 3PXP": easier to read out and type. */
export const groupedKey = (secret: string) => secret.replace(/(.{4})(?=.)/g, "$1 ");

/**
 * Adds an authenticator app: `mfa.totp.begin` (step-up when stale), then the QR code and the key
 * for manual entry, then `mfa.totp.confirm` with the first code the app shows. The first factor
 * of an account also answers its recovery codes (`onEnabled`).
 */
export function TotpEnrolment({
  hasFactor,
  enrolment,
  setEnrolment,
  guard,
  onEnabled,
}: {
  hasFactor: boolean;
  enrolment: Enrolment | null;
  setEnrolment: (enrolment: Enrolment | null) => void;
  guard: StepUp["guard"];
  onEnabled: (recoveryCodes: string[] | undefined) => Promise<void>;
}) {
  const begin = trpc.mfa.totp.begin.useMutation();
  const failed = shownError(begin.error);
  if (enrolment) {
    return (
      <ConfirmEnrolment
        enrolment={enrolment}
        guard={guard}
        onEnabled={onEnabled}
        onCancel={() => setEnrolment(null)}
      />
    );
  }
  return (
    <div className="enrol-start">
      {failed ? (
        <Alert kind="error" title="Couldn't start the setup">
          {failed}
        </Alert>
      ) : null}
      <div className="form-actions">
        <Button
          variant={hasFactor ? "secondary" : "primary"}
          pending={begin.isPending}
          pendingLabel="Starting…"
          onClick={() =>
            runGuarded(guard, async () => {
              setEnrolment(await begin.mutateAsync());
            })
          }
        >
          {hasFactor ? "Add another authenticator app" : "Set up an authenticator app"}
        </Button>
      </div>
    </div>
  );
}

function ConfirmEnrolment({
  enrolment,
  guard,
  onEnabled,
  onCancel,
}: {
  enrolment: Enrolment;
  guard: StepUp["guard"];
  onEnabled: (recoveryCodes: string[] | undefined) => Promise<void>;
  onCancel: () => void;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const confirm = trpc.mfa.totp.confirm.useMutation();
  const visible = shownError(confirm.error) ? confirm.error : null;
  const { errors, formError, startSubmit, onEdit } = useSubmitErrors(visible, formRef, (error) =>
    error instanceof Error && authCodeOf(error) === "MFA_CODE_INVALID"
      ? { code: error.message }
      : undefined,
  );

  // The panel replaced the button that opened it: focus its heading, where reading starts.
  useEffect(() => headingRef.current?.focus(), []);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = oneTimeCode(formString(new FormData(event.currentTarget), "code"));
    startSubmit(/^\d{6}$/.test(code) ? {} : { code: "Enter the 6 digits your app shows." });
    if (!/^\d{6}$/.test(code)) return;
    runGuarded(guard, async () => {
      const result = await confirm.mutateAsync({ factorId: enrolment.factorId, code });
      await onEnabled(result.recoveryCodes);
    });
  }

  return (
    <section className="enrolment" aria-labelledby="enrol-title">
      <h3 id="enrol-title" ref={headingRef} tabIndex={-1}>
        Set up your authenticator app
      </h3>
      <ol className="enrol-steps">
        <li>
          <p>
            Open an authenticator app (1Password, Google Authenticator, Authy, Aegis…) and scan this
            QR code.
          </p>
          <QrCode value={enrolment.uri} label="QR code for your authenticator app" />
        </li>
        <li>
          <p>Can&apos;t scan it? Enter this key in the app instead (time-based, 6 digits):</p>
          <p className="secret-key">
            <code data-testid="totp-secret">{groupedKey(enrolment.secret)}</code>{" "}
            <CopyButton text={enrolment.secret} label="Copy key" />
          </p>
        </li>
        <li>
          <form
            ref={formRef}
            className="form"
            noValidate
            onSubmit={onSubmit}
            aria-label="Confirm the code"
          >
            <p>Enter the code the app shows now.</p>
            {formError ? (
              <Alert kind="error" formError>
                {formError}
              </Alert>
            ) : null}
            <OneTimeCodeField error={errors.code} onEdit={() => onEdit("code")} />
            <div className="form-actions">
              <Button type="submit" pending={confirm.isPending} pendingLabel="Checking…">
                Turn on two-step verification
              </Button>
              <Button variant="ghost" disabled={confirm.isPending} onClick={onCancel}>
                Cancel
              </Button>
            </div>
          </form>
        </li>
      </ol>
    </section>
  );
}
