import nodemailer from "nodemailer";

/** What the mailer needs of a transport: nodemailer's, or a stand-in that records. */
export interface MailTransport {
  sendMail(message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html: string;
  }): Promise<unknown>;
  close(): void;
}

/**
 * An SMTP transport from `SMTP_URL`. `smtps://` speaks TLS from the first byte; `smtp://` starts
 * in plain text (local relays) and upgrades with STARTTLS whenever the server offers it, which
 * is nodemailer's default. Short timeouts: a hung relay must not hold a send (and its retries)
 * for minutes.
 */
export function smtpTransport(smtpUrl: string): MailTransport {
  const url = new URL(smtpUrl);
  return nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
    secure: url.protocol === "smtps:",
    ...(url.username
      ? {
          auth: {
            user: decodeURIComponent(url.username),
            pass: decodeURIComponent(url.password),
          },
        }
      : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}
