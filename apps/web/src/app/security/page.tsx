"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";

import { PasskeysSection } from "~/components/passkeys/passkeys-section";
import { RequireAuth } from "~/components/require-auth";
import { useStepUp } from "~/components/use-step-up";
import { Alert, Card, PageLoading } from "~/components/ui";
import { errorMessage } from "~/lib/errors";
import { safeNextPath } from "~/lib/navigation";
import { trpc } from "~/lib/trpc";

import { FactorList } from "./factor-list";
import { RecoveryCodes, RegenerateRecoveryCodes } from "./recovery-codes";
import { TotpEnrolment, type Enrolment } from "./totp-enrolment";

export default function SecurityPage() {
  // `?next=` is read with useSearchParams, which needs a boundary in a prerendered page.
  return (
    <Suspense fallback={<PageLoading />}>
      <RequireAuth>{() => <Security />}</RequireAuth>
    </Suspense>
  );
}

/** Where /admin (MFA_REQUIRED_FOR=admin) asked to come back to once a factor is set up. */
function useBackTo(): string | null {
  const next = useSearchParams().get("next");
  return next ? safeNextPath(next, window.location.origin) : null;
}

function Security() {
  const utils = trpc.useUtils();
  // Always re-read on visit: "last used" changes at every sign-in.
  const factors = trpc.mfa.factors.useQuery(undefined, { staleTime: 0 });
  const hasFactor = (factors.data?.length ?? 0) > 0;
  const stepUp = useStepUp();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const next = useBackTo();

  return (
    <div className="page">
      <header className="page-header">
        <h1>Security</h1>
        <p className="muted">
          Two-step verification: after your password, a code from an app on your phone.
        </p>
      </header>
      {stepUp.dialog}
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      {codes ? (
        <RecoveryCodes
          codes={codes}
          onDone={() => {
            setCodes(null);
            setNotice("Keep your recovery codes somewhere safe: each one signs you in once.");
          }}
        />
      ) : null}
      {next && hasFactor && !codes ? (
        <Alert kind="info" title="Two-step verification is on">
          <Link href={next}>Continue where you were</Link>
        </Alert>
      ) : null}
      <Card
        title="Two-step verification"
        id="factors"
        description="Every sign-in asks for a code from your authenticator app after your password."
      >
        {factors.isPending ? (
          <PageLoading label="Loading your second factors…" />
        ) : factors.isError ? (
          <Alert kind="error" title="Couldn't load your second factors">
            {errorMessage(factors.error)}{" "}
            <button type="button" className="link-button" onClick={() => void factors.refetch()}>
              Try again
            </button>
          </Alert>
        ) : (
          <>
            <FactorList
              factors={factors.data}
              guard={stepUp.guard}
              onRemoved={(name) => {
                setNotice(`${name} was removed. Your other devices were signed out.`);
                // A passkey is a factor too: the passkeys card lists it.
                return Promise.all([
                  utils.mfa.factors.invalidate(),
                  utils.passkey.list.invalidate(),
                ]);
              }}
            />
            <TotpEnrolment
              hasFactor={hasFactor}
              enrolment={enrolment}
              setEnrolment={setEnrolment}
              guard={stepUp.guard}
              onEnabled={(recoveryCodes) => {
                setEnrolment(null);
                if (recoveryCodes) setCodes(recoveryCodes);
                setNotice("Two-step verification is on. Your other devices were signed out.");
                return utils.mfa.factors.invalidate();
              }}
            />
          </>
        )}
      </Card>
      {hasFactor ? (
        <Card
          title="Recovery codes"
          id="recovery-codes"
          description="Lost your phone? Each recovery code signs you in once, instead of a code from the app."
        >
          <RegenerateRecoveryCodes guard={stepUp.guard} onCodes={setCodes} />
        </Card>
      ) : null}
      <PasskeysSection
        guard={stepUp.guard}
        onAdded={(name, recoveryCodes) => {
          if (recoveryCodes) setCodes(recoveryCodes);
          setNotice(`Passkey "${name}" added. Your other devices were signed out.`);
          return utils.mfa.factors.invalidate();
        }}
        onRemoved={(name) => {
          setNotice(`${name} was removed. Your other devices were signed out.`);
          return utils.mfa.factors.invalidate();
        }}
      />
    </div>
  );
}
