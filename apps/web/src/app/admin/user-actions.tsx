"use client";

import { useEffect, useRef } from "react";

import { Button } from "~/components/form";

export type UserAction = "makeAdmin" | "removeAdmin" | "disable" | "enable" | "revokeSessions";

interface ActionText {
  label: string;
  question: (email: string) => string;
  confirm: string;
  done: (email: string) => string;
  danger: boolean;
}

/** What each action is called, asked and reported as. */
export const ACTIONS: Record<UserAction, ActionText> = {
  makeAdmin: {
    label: "Make admin",
    question: (email) => `Make ${email} an administrator? They can then manage every account.`,
    confirm: "Yes, make admin",
    done: (email) => `${email} is now an administrator.`,
    danger: false,
  },
  removeAdmin: {
    label: "Remove admin",
    question: (email) => `Remove administrator rights from ${email}?`,
    confirm: "Yes, remove admin",
    done: (email) => `${email} is now a regular user.`,
    danger: true,
  },
  disable: {
    label: "Disable",
    question: (email) =>
      `Disable ${email}? They are signed out everywhere right away and cannot sign in until enabled.`,
    confirm: "Yes, disable",
    done: (email) => `${email} is disabled and signed out everywhere.`,
    danger: true,
  },
  enable: {
    label: "Enable",
    question: (email) => `Enable ${email}? They can sign in again.`,
    confirm: "Yes, enable",
    done: (email) => `${email} can sign in again.`,
    danger: false,
  },
  revokeSessions: {
    label: "Sign out everywhere",
    question: (email) => `Sign ${email} out on every device? They can sign in again.`,
    confirm: "Yes, sign out",
    done: (email) => `${email} was signed out everywhere.`,
    danger: true,
  },
};

/** The second step of an action: a question with "Yes" (focused) and "Cancel". */
export function ConfirmAction({
  action,
  email,
  pending,
  onConfirm,
  onCancel,
}: {
  action: UserAction;
  email: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmRef.current?.focus(), []);
  const text = ACTIONS[action];
  const questionId = `confirm-${action}-${email}`;
  return (
    <div className="confirm-box" role="group" aria-labelledby={questionId}>
      <p id={questionId}>
        <strong>{text.question(email)}</strong>
      </p>
      <div className="form-actions">
        <Button
          ref={confirmRef}
          variant={text.danger ? "danger" : "primary"}
          className="btn-small"
          pending={pending}
          pendingLabel="Saving…"
          onClick={onConfirm}
        >
          {text.confirm}
        </Button>
        <Button variant="ghost" className="btn-small" onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
