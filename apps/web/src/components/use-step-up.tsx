"use client";

import { useCallback, useRef, useState, type ReactNode } from "react";

import { authCodeOf, errorMessage } from "~/lib/errors";

import { ReauthDialog } from "./reauth-dialog";

/** The stable code of a 403 from a fresh-guarded procedure whose token is too old. */
export const REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED";

export const needsReauthentication = (error: unknown) =>
  authCodeOf(error) === REAUTHENTICATION_REQUIRED;

/** The person closed the dialog: the action was not done, and nothing needs saying. */
export class StepUpCancelled extends Error {
  constructor() {
    super("Re-authentication cancelled");
    this.name = "StepUpCancelled";
  }
}

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface StepUp {
  /**
   * Runs `action`; when the server answers REAUTHENTICATION_REQUIRED, asks the person to
   * confirm it's them, then runs it once more. Rejects with StepUpCancelled if they cancel.
   */
  guard: <T>(action: () => Promise<T>) => Promise<T>;
  /** The dialog while it is open, to render anywhere in the page. */
  dialog: ReactNode;
}

/** Step-up for the security page's actions (and /admin under MFA_REQUIRED_FOR=admin). */
export function useStepUp(): StepUp {
  const [waiting, setWaiting] = useState<Waiting | null>(null);
  const current = useRef<Waiting | null>(null);

  const guard = useCallback(async <T,>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (!needsReauthentication(error)) throw error;
      await new Promise<void>((resolve, reject) => {
        current.current = { resolve, reject };
        setWaiting(current.current);
      });
      return action();
    }
  }, []);

  const finish = (outcome: "done" | "cancelled") => {
    const pending = current.current;
    current.current = null;
    setWaiting(null);
    if (outcome === "done") pending?.resolve();
    else pending?.reject(new StepUpCancelled());
  };

  const dialog = waiting ? (
    <ReauthDialog onDone={() => finish("done")} onCancel={() => finish("cancelled")} />
  ) : null;
  return { guard, dialog };
}

/** An error worth showing: not the step-up the dialog is handling, nor a cancelled dialog. */
export function shownError(error: unknown): string | null {
  if (!error || error instanceof StepUpCancelled || needsReauthentication(error)) return null;
  return errorMessage(error);
}

/**
 * Runs an action through step-up. Its failure is already in the mutation's state, where the
 * component shows it (`shownError`): nothing more to do here.
 */
export function runGuarded(guard: StepUp["guard"], action: () => Promise<void>): void {
  guard(action).catch(() => undefined);
}
