"use client";

import { useState } from "react";

import { Button } from "~/components/form";
import { Icon } from "~/components/icon";
import { Alert, Badge } from "~/components/ui";
import { formatDateTime, formatRelative } from "~/lib/format";
import { trpc } from "~/lib/trpc";

import { runGuarded, shownError, type StepUp } from "~/components/use-step-up";

export interface Factor {
  id: string;
  type: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** How a factor's kind reads to a person. */
export function factorKind(type: string): string {
  return type === "totp" ? "Authenticator app" : type === "passkey" ? "Passkey" : type;
}

const factorName = (factor: Factor) => factor.name || factorKind(factor.type);

/** The account's second factors, each removable after a confirmation (and step-up if stale). */
export function FactorList({
  factors,
  guard,
  onRemoved,
}: {
  factors: Factor[];
  guard: StepUp["guard"];
  onRemoved: (name: string) => Promise<unknown>;
}) {
  const [confirming, setConfirming] = useState<string | null>(null);
  // After Cancel, focus goes back to the Remove button that asked.
  const [cancelled, setCancelled] = useState<string | null>(null);
  const remove = trpc.mfa.remove.useMutation();
  const failed = shownError(remove.error);

  if (factors.length === 0) {
    return (
      <p className="muted" data-testid="mfa-status">
        Two-step verification is <strong>off</strong>. Anyone with your password can sign in.
      </p>
    );
  }
  return (
    <ul className="session-list factor-list" aria-label="Second factors">
      {factors.map((factor) => {
        const name = factorName(factor);
        return (
          <li key={factor.id} className="session-item">
            <div className="session-icon" aria-hidden="true">
              <Icon name="phone" strokeWidth={1.8} />
            </div>
            <div className="session-main">
              <p className="session-device">
                {name}{" "}
                {name === factorKind(factor.type) ? null : (
                  <Badge tone="success">{factorKind(factor.type)}</Badge>
                )}
              </p>
              <p className="session-meta muted">
                Added <time dateTime={factor.createdAt}>{formatDateTime(factor.createdAt)}</time> ·{" "}
                {factor.lastUsedAt ? (
                  <>
                    Last used{" "}
                    <time dateTime={factor.lastUsedAt}>{formatRelative(factor.lastUsedAt)}</time>
                  </>
                ) : (
                  "Never used"
                )}
              </p>
            </div>
            <div className="session-action">
              {confirming === factor.id ? (
                <div className="confirm-box" role="group" aria-label={`Remove ${name}?`}>
                  <p>
                    <strong>Remove {name}?</strong> Your other devices are signed out.
                  </p>
                  {failed ? <Alert kind="error">{failed}</Alert> : null}
                  <div className="form-actions">
                    <Button
                      variant="danger"
                      className="btn-small"
                      autoFocus
                      pending={remove.isPending}
                      pendingLabel="Removing…"
                      onClick={() =>
                        runGuarded(guard, async () => {
                          await remove.mutateAsync({ factorId: factor.id });
                          setConfirming(null);
                          await onRemoved(name);
                        })
                      }
                    >
                      Yes, remove
                    </Button>
                    <Button
                      variant="ghost"
                      className="btn-small"
                      disabled={remove.isPending}
                      onClick={() => {
                        setConfirming(null);
                        setCancelled(factor.id);
                      }}
                    >
                      Cancel
                    </Button>
                  </div>
                </div>
              ) : (
                <Button
                  variant="secondary"
                  className="btn-small"
                  aria-label={`Remove ${name}`}
                  autoFocus={cancelled === factor.id}
                  onClick={() => {
                    remove.reset();
                    setConfirming(factor.id);
                  }}
                >
                  Remove
                </Button>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
