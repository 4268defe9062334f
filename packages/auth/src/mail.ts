/**
 * The mails the core asks for. The core makes the token and decides who gets a mail; rendering
 * and delivery belong to whoever the app hands in (the API wires @authkit/mail), so the core
 * never waits on SMTP and never imports a mail library.
 */
export interface AccountMail {
  kind: "password_reset" | "email_verification";
  to: string;
  userId: string;
  /** The raw single-use token, for the link: never logged, stored only as its SHA-256. */
  token: string;
  ttlSeconds: number;
}

/** Queues a mail and returns at once; delivery failures are the sender's to report. */
export type AccountMailer = (mail: AccountMail) => void;

export const discardMail: AccountMailer = () => undefined;
