import type { ReactNode } from "react";

export function Spinner({ label }: { label?: string }) {
  return (
    <span className="spinner-wrap">
      <span className="spinner" aria-hidden="true" />
      {label ? <span>{label}</span> : null}
    </span>
  );
}

/** Whole-page placeholder while the session or the page's data loads. */
export function PageLoading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="page-loading" role="status" aria-live="polite">
      <Spinner label={label} />
    </div>
  );
}

type AlertKind = "error" | "success" | "info";

export function Alert({
  kind,
  title,
  children,
  formError = false,
}: {
  kind: AlertKind;
  title?: string;
  children?: ReactNode;
  /** The message of a failed submit: focus moves here when no single field is to blame. */
  formError?: boolean;
}) {
  // Errors interrupt (role=alert); confirmations and notices are announced politely.
  return (
    <div
      className={`alert alert-${kind}`}
      role={kind === "error" ? "alert" : "status"}
      {...(formError ? { "data-form-error": true, tabIndex: -1 } : {})}
    >
      {title ? <p className="alert-title">{title}</p> : null}
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** The message a form page was sent back with after a failed submit, if any. */
export function FormError({ message }: { message: string | null | undefined }) {
  return message ? (
    <Alert kind="error" formError>
      {message}
    </Alert>
  ) : null;
}

export function Card({
  title,
  description,
  children,
  id,
}: {
  title?: string;
  description?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className="card" aria-labelledby={headingId} id={id}>
      {title ? (
        <header className="card-header">
          <h2 id={headingId}>{title}</h2>
          {description ? <p className="muted">{description}</p> : null}
        </header>
      ) : null}
      {children}
    </section>
  );
}

export function Badge({
  tone = "neutral",
  children,
}: {
  tone?: "neutral" | "accent" | "success";
  children: ReactNode;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
