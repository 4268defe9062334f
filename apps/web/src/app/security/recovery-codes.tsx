"use client";

import { useEffect, useRef, useState } from "react";

import { Button } from "~/components/form";
import { Alert } from "~/components/ui";
import { trpc } from "~/lib/trpc";

import { CopyButton } from "./copy-button";
import { runGuarded, shownError, type StepUp } from "~/components/use-step-up";

/** The file "Download" saves: a data URL, so there is no object URL to revoke. */
const codesFile = (codes: string[]) =>
  `data:text/plain;charset=utf-8,${encodeURIComponent(
    `Authkit recovery codes (${window.location.host})\nEach code works once.\n\n${codes.join("\n")}\n`,
  )}`;

/**
 * The recovery codes, shown once: the server keeps only their hashes. Copy and download; the
 * panel stays until the person says they saved them.
 */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const titleRef = useRef<HTMLHeadingElement>(null);

  // Focus moves to the codes: they are what the person must act on now.
  useEffect(() => titleRef.current?.focus(), []);

  return (
    <section className="card recovery-codes" aria-labelledby="codes-title">
      <h2 id="codes-title" ref={titleRef} tabIndex={-1}>
        Save your recovery codes
      </h2>
      <Alert kind="info">
        This is the only time they are shown. If you lose your phone, each code signs you in once.
      </Alert>
      <ol className="code-list" aria-label="Recovery codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="form-actions">
        <CopyButton text={codes.join("\n")} label="Copy codes" />
        <a
          className="btn btn-secondary btn-small"
          href={codesFile(codes)}
          download="authkit-recovery-codes.txt"
        >
          Download
        </a>
        <Button onClick={onDone}>I&apos;ve saved them</Button>
      </div>
    </section>
  );
}

/** New recovery codes (step-up when stale): the old set stops working at once. */
export function RegenerateRecoveryCodes({
  guard,
  onCodes,
}: {
  guard: StepUp["guard"];
  onCodes: (codes: string[]) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const regenerate = trpc.mfa.recoveryCodes.regenerate.useMutation();
  const failed = shownError(regenerate.error);

  if (!confirming) {
    return (
      <div className="form-actions">
        <Button
          variant="secondary"
          onClick={() => {
            regenerate.reset();
            setConfirming(true);
          }}
        >
          Generate new recovery codes
        </Button>
      </div>
    );
  }
  return (
    <div className="confirm-box" role="group" aria-labelledby="regenerate-question">
      <p id="regenerate-question">
        <strong>Replace your recovery codes?</strong> The codes you have now stop working.
      </p>
      {failed ? <Alert kind="error">{failed}</Alert> : null}
      <div className="form-actions">
        <Button
          autoFocus
          pending={regenerate.isPending}
          pendingLabel="Generating…"
          onClick={() =>
            runGuarded(guard, async () => {
              const { recoveryCodes } = await regenerate.mutateAsync();
              setConfirming(false);
              onCodes(recoveryCodes);
            })
          }
        >
          Yes, generate new codes
        </Button>
        <Button
          variant="ghost"
          disabled={regenerate.isPending}
          onClick={() => setConfirming(false)}
        >
          Cancel
        </Button>
      </div>
    </div>
  );
}
