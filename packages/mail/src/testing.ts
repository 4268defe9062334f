/**
 * A real SMTP server in the test process (the `smtp-server` package), for integration and
 * end-to-end tests: the app sends over SMTP exactly as in production, the test reads what
 * arrived and follows the link in it. No transport is mocked.
 */
import type { AddressInfo } from "node:net";

import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The user the client authenticated as, if it did. */
  authUser: string | undefined;
}

export interface SmtpReceiver {
  /** `smtp://user:pass@127.0.0.1:port`, for SMTP_URL. */
  url: string;
  mails: ReceivedMail[];
  /** The first mail (already received or still to come) that matches, or an error at the deadline. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Closes the server: later connections are refused (a relay that is down). */
  close(): Promise<void>;
}

/** Plain SMTP with AUTH, as a local relay speaks it (no STARTTLS offered unless asked). */
export async function startSmtpReceiver({
  user = "mailer",
  password = "mail-secret",
  /** 0: any free port. A fixed one when the app's SMTP_URL had to be written before. */
  port = 0,
  /** Offer STARTTLS (with smtp-server's own self-signed certificate, which no client trusts). */
  starttls = false,
  /** Called with each mail as it arrives (e.g. to hand it to other processes). */
  onMail = (_mail: ReceivedMail): void => undefined,
} = {}): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: !starttls,
    authOptional: true,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password)
        callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const mail: ReceivedMail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            authUser: typeof session.user === "string" ? session.user : undefined,
          };
          mails.push(mail);
          onMail(mail);
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error: unknown) => callback(error as Error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${user}:${password}@127.0.0.1:${bound}`,
    mails,
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.find(predicate);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${mails.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The one link to the web app in a mail's text: `…/reset-password?token=…` or `…/verify-email?token=…`. */
export function linkIn(mail: ReceivedMail): URL {
  const match = /https?:\/\/\S+\/(?:reset-password|verify-email)\?token=[\w-]+/.exec(mail.text);
  if (!match) throw new Error(`no account link in mail "${mail.subject}"`);
  return new URL(match[0]);
}

/** The token of the link in a mail. */
export const tokenIn = (mail: ReceivedMail): string => linkIn(mail).searchParams.get("token") ?? "";
