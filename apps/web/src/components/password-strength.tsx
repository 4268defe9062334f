"use client";

import { useEffect, useState } from "react";

import type { StrengthReport } from "~/lib/password-strength";

/** What each zxcvbn score is called; below 2 the server refuses the password. */
const LABELS = ["Too weak", "Too weak", "Fair", "Good", "Strong"] as const;

type Rate = (password: string, userInputs: string[]) => StrengthReport;
let judge: Promise<Rate> | undefined;

/** The judge and its dictionary: a chunk of its own, fetched once, on the first keystroke. */
function loadJudge(): Promise<Rate> {
  judge ??= import("~/lib/password-strength").then((module) => module.ratePassword);
  return judge;
}

/**
 * A strength meter under a new-password field, computed in the browser by the same rule the
 * server applies. It says nothing until there is a password, and announces only its verdict
 * (not every keystroke) to screen readers.
 */
export function PasswordStrength({
  id,
  password,
  userInputs,
}: {
  id: string;
  password: string;
  /** What the account gives away (email, name): a password made of them is weak. */
  userInputs: () => string[];
}) {
  const [report, setReport] = useState<StrengthReport | null>(null);

  useEffect(() => {
    if (!password) return;
    let current = true;
    void loadJudge().then((rate) => {
      if (current) setReport(rate(password, userInputs()));
    });
    return () => {
      current = false;
    };
  }, [password, userInputs]);

  const shown = password ? report : null;
  return (
    <div className="strength" id={id} data-score={shown?.score ?? ""} hidden={!shown}>
      <div className="strength-bar" aria-hidden="true">
        {[1, 2, 3, 4].map((step) => (
          <span
            key={step}
            className={shown && Math.max(1, shown.score) >= step ? "strength-on" : undefined}
          />
        ))}
      </div>
      <p className="strength-label" aria-live="polite">
        {shown ? (
          <>
            Strength: <strong>{LABELS[shown.score]}</strong>
            {shown.acceptable ? null : " (too common to be accepted)"}
          </>
        ) : null}
      </p>
      {shown?.warning ? <p className="strength-warning">{shown.warning}</p> : null}
    </div>
  );
}
