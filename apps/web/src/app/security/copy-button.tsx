"use client";

import { useState } from "react";

import { Button } from "~/components/form";

/** Copies `text` to the clipboard and says so (politely, for screen readers too). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <>
      <Button
        variant="secondary"
        className="btn-small"
        onClick={() => {
          navigator.clipboard.writeText(text).then(
            () => setState("copied"),
            () => setState("failed"),
          );
        }}
      >
        {label}
      </Button>{" "}
      <span role="status" className="small muted">
        {state === "copied"
          ? "Copied"
          : state === "failed"
            ? "Couldn't copy: select it instead"
            : ""}
      </span>
    </>
  );
}
