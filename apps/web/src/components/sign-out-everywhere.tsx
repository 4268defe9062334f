"use client";

import { useEffect, useRef, useState } from "react";

import { getAuthClient } from "~/lib/auth";
import { errorMessage } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

import { Button } from "./form";
import { Alert } from "./ui";

/**
 * A two-step button: no browser `confirm()` dialog, and the second step is reachable by
 * keyboard. Focus follows the steps: to "Yes" when asked, back to the first button on Cancel.
 */
export function SignOutEverywhere() {
  const [step, setStep] = useState<"idle" | "confirming" | "cancelled">("idle");
  const confirmRef = useRef<HTMLButtonElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  const signOutAll = trpc.auth.logoutAll.useMutation({
    // The server has already killed every session; every tab of this browser signs out too.
    onSuccess: () => getAuthClient().forget("logout"),
  });

  useEffect(() => {
    if (step === "confirming") confirmRef.current?.focus();
    if (step === "cancelled") startRef.current?.focus();
  }, [step]);

  if (step !== "confirming") {
    return (
      <div className="form-actions">
        <Button ref={startRef} variant="danger" onClick={() => setStep("confirming")}>
          Sign out everywhere
        </Button>
      </div>
    );
  }
  return (
    <div className="confirm-box" role="group" aria-labelledby="sign-out-all-question">
      <p id="sign-out-all-question">
        <strong>Sign out on every device, including this one?</strong> Anyone using your account
        elsewhere is signed out right away.
      </p>
      {signOutAll.isError ? <Alert kind="error">{errorMessage(signOutAll.error)}</Alert> : null}
      <div className="form-actions">
        <Button
          ref={confirmRef}
          variant="danger"
          pending={signOutAll.isPending}
          pendingLabel="Signing out…"
          onClick={() => signOutAll.mutate()}
        >
          Yes, sign out everywhere
        </Button>
        <Button
          variant="ghost"
          onClick={() => setStep("cancelled")}
          disabled={signOutAll.isPending}
        >
          Cancel
        </Button>
      </div>
    </div>
  );
}
