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

/**
 * Mails that only tell the owner something happened to their account's protection: no link, no
 * token. "If this was not you" is the point of them.
 */
export type NoticeMail =
  | {
      kind: "mfa_factor_added" | "mfa_factor_removed";
      to: string;
      userId: string;
      factorType: string;
    }
  | { kind: "mfa_reset_by_admin"; to: string; userId: string }
  | { kind: "recovery_code_used"; to: string; userId: string; remaining: number };

/** Queues a notice and returns at once. */
export type NoticeMailer = (mail: NoticeMail) => void;

export const discardNotices: NoticeMailer = () => undefined;
