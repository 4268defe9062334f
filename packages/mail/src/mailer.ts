import { smtpTransport, type MailTransport } from "./transport";

/** A rendered mail, ready to send. `kind` is for logs and events, never sent. */
export interface OutgoingMail {
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Why a mail was given up: for the `mail.failed` event, without the address or the content. */
export interface MailFailure {
  kind: string;
  attempts: number;
  /** nodemailer's error code (`ECONNECTION`, `EAUTH`…), or `unknown`. */
  code: string;
}

export interface MailerOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`; without it mails are printed or dropped. */
  smtpUrl?: string | undefined;
  /** The `From:` header (`MAIL_FROM`). */
  from: string;
  /**
   * Without SMTP_URL: where a mail goes instead (development prints it to the log, link
   * included, so the flows work out of the box). Absent: mails are dropped (production).
   */
  print?: (mail: OutgoingMail) => void;
  /** Called once for a mail given up after every attempt. */
  onFailure?: (failure: MailFailure) => void;
  /** Waits between attempts; its length + 1 is the number of attempts. */
  retryDelaysMs?: readonly number[];
  /** Replaces the SMTP transport (tests of the retry). */
  transport?: MailTransport;
}

export interface Mailer {
  /** Queues a mail and returns at once: sending never sits in a request's path. Never throws. */
  send(mail: OutgoingMail): void;
  /** How mail leaves this process: over SMTP, printed to the log, or not at all. */
  readonly mode: "smtp" | "print" | "drop";
  /** Resolves when every mail queued so far is sent or given up (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [2_000, 10_000];

function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string")
    return error.code;
  return "unknown";
}

/** Sends mail outside the request: each mail in the background, with a bounded retry. */
export function createMailer({
  smtpUrl,
  from,
  print,
  onFailure = () => undefined,
  retryDelaysMs = DEFAULT_RETRY_DELAYS_MS,
  transport: given,
}: MailerOptions): Mailer {
  const transport = given ?? (smtpUrl ? smtpTransport(smtpUrl) : undefined);
  const mode = transport ? "smtp" : print ? "print" : "drop";
  const inFlight = new Set<Promise<void>>();
  const waits = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        waits.delete(timer);
        resolve();
      }, ms);
      waits.set(timer, resolve);
    });

  async function deliver(mail: OutgoingMail): Promise<void> {
    if (!transport) {
      print?.(mail);
      return;
    }
    const message = { from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html };
    for (let attempt = 1; ; attempt++) {
      try {
        await transport.sendMail(message);
        return;
      } catch (error) {
        const delay = retryDelaysMs[attempt - 1];
        if (delay !== undefined && !closed) await wait(delay);
        if (delay === undefined || closed) {
          onFailure({ kind: mail.kind, attempts: attempt, code: errorCode(error) });
          return;
        }
      }
    }
  }

  async function idle(): Promise<void> {
    while (inFlight.size > 0) await Promise.all(inFlight);
  }

  return {
    mode,
    send(mail) {
      if (closed) return;
      const sending = deliver(mail).catch(() => undefined);
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
    },
    idle,
    async close() {
      closed = true;
      // A retry waiting for its turn is given up now rather than keep the process alive.
      for (const [timer, resolve] of waits) {
        clearTimeout(timer);
        resolve();
      }
      waits.clear();
      await idle();
      transport?.close();
    },
  };
}
