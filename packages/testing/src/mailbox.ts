/**
 * The `mailbox` fixture's reading side: the run's SMTP receiver (./mail-spool, started by the
 * global setup) writes every mail it gets to a directory, one JSON file each, so that every
 * worker process sees them. A test waits for the next mail to an address it made up.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  /** Every http(s) URL in the text, in order. */
  links: string[];
}

export interface Mailbox {
  /**
   * The oldest mail to `to` this test has not been handed yet (already arrived or still to
   * come); fails after `timeout` ms (default 15 s) naming what did arrive. For the `user`
   * fixture's address, the confirmation mail its registration sent is left out unless `subject`
   * asks for it (so the first mail a test triggers is the one it gets).
   */
  waitForMail(to: string, options?: { subject?: RegExp; timeout?: number }): Promise<Mail>;
}

/** One received mail as the spool stores it. */
export interface SpooledMail {
  to: string[];
  subject: string;
  text: string;
}

export function linksIn(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s<>"')\]]+/g)].map((match) => match[0]);
}

function readSpool(dir: string): { file: string; mail: SpooledMail }[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({
      file,
      mail: JSON.parse(readFileSync(join(dir, file), "utf8")) as SpooledMail,
    }));
}

/** The subject of the mail Authkit sends on registration (packages/mail account-mail.ts). */
const REGISTRATION_MAIL = /^Confirm your email/;

/**
 * A mailbox over the spool `dir`; `handed` remembers what this test already got;
 * `registered()` is the address the `user` fixture registered, if any.
 */
export function openMailbox(dir: string, registered: () => string | null = () => null): Mailbox {
  const handed = new Set<string>();
  return {
    async waitForMail(to, { subject, timeout = 15_000 } = {}) {
      const address = to.toLowerCase();
      const skipRegistration = !subject && registered()?.toLowerCase() === address;
      const deadline = Date.now() + timeout;
      for (;;) {
        const found = readSpool(dir).find(
          ({ file, mail }) =>
            !handed.has(file) &&
            mail.to.some((rcpt) => rcpt.toLowerCase() === address) &&
            (!subject || subject.test(mail.subject)) &&
            !(skipRegistration && REGISTRATION_MAIL.test(mail.subject)),
        );
        if (found) {
          handed.add(found.file);
          return { ...found.mail, links: linksIn(found.mail.text) };
        }
        if (Date.now() > deadline) {
          const seen = readSpool(dir).map(({ mail }) => `${mail.to.join(",")}: ${mail.subject}`);
          throw new Error(
            `no mail to ${to}${subject ? ` matching ${subject}` : ""} within ${timeout} ms; the mailbox holds: ${seen.join("; ") || "nothing"}`,
          );
        }
        // The spool is a directory other processes write to: look again shortly.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
