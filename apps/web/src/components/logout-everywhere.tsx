"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { getAuthClient } from "~/lib/auth";
import { errorMessage } from "~/lib/errors";
import { useTRPC } from "~/lib/trpc";

import { Button } from "./form";
import { Alert } from "./ui";

/** A two-step button: no browser `confirm()` dialog, and the second step is reachable by keyboard. */
export function LogoutEverywhere() {
  const trpc = useTRPC();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const logoutAll = useMutation(
    trpc.auth.logoutAll.mutationOptions({
      // The server has already killed every session; every tab of this browser signs out too.
      onSuccess: () => getAuthClient().forget("logout"),
    }),
  );

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (!confirming) {
    return (
      <div className="form-actions">
        <Button variant="danger" onClick={() => setConfirming(true)}>
          Log out everywhere
        </Button>
      </div>
    );
  }
  return (
    <div className="confirm-box" role="group" aria-labelledby="logout-all-question">
      <p id="logout-all-question">
        <strong>Sign out on every device, including this one?</strong> Anyone using your account
        elsewhere is signed out right away.
      </p>
      {logoutAll.isError ? <Alert kind="error">{errorMessage(logoutAll.error)}</Alert> : null}
      <div className="form-actions">
        <Button
          ref={confirmRef}
          variant="danger"
          pending={logoutAll.isPending}
          pendingLabel="Signing out…"
          onClick={() => logoutAll.mutate()}
        >
          Yes, log out everywhere
        </Button>
        <Button variant="ghost" onClick={() => setConfirming(false)} disabled={logoutAll.isPending}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
