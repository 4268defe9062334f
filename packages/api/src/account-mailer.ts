import type { AccountMailer, NoticeMailer, SecurityEventSink } from "@authkit/auth";
import type { Config } from "@authkit/config";
import { createMailer, renderAccountMail, renderNoticeMail, type Mailer } from "@authkit/mail";

import type { Logger } from "./http/log";

/** The name in every mail's subject and signature. */
export const PRODUCT_NAME = "Authkit";

/**
 * The mailer of an app, from config. Without SMTP_URL: development prints each mail to the log
 * (the one place a token is ever logged, marked as such, so the flows work out of the box);
 * production says once that no mail is sent, and the endpoints answer as usual, so nothing
 * tells a caller which happened. A mail given up after its retries is a `mail.failed` event.
 */
export function createAccountMailer(
  config: Pick<Config, "mail" | "appUrl" | "isProduction">,
  logger: Logger,
  events: SecurityEventSink,
): { mailer: Mailer; send: AccountMailer; notify: NoticeMailer } {
  const mailer = createMailer({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    print: config.isProduction
      ? undefined
      : (mail) =>
          logger.info(
            { devMail: { to: mail.to, subject: mail.subject }, text: mail.text },
            "DEVELOPMENT MAIL, NOT SENT (SMTP_URL is unset): it contains a live link",
          ),
    onFailure: (failure) =>
      events({ event: "mail.failed", mail: failure.kind, reason: failure.code }),
  });
  if (mailer.mode === "drop")
    logger.warn(
      "SMTP_URL is not set: password-reset and verification mails are not sent (docs/configuration.md: Mail)",
    );
  const send: AccountMailer = (mail) =>
    mailer.send(
      renderAccountMail(
        { kind: mail.kind, to: mail.to, token: mail.token, ttlSeconds: mail.ttlSeconds },
        { appUrl: config.appUrl, productName: PRODUCT_NAME },
      ),
    );
  // The user id stays out of the mail; the rest is what the notice says.
  const notify: NoticeMailer = ({ userId: _userId, ...notice }) =>
    mailer.send(renderNoticeMail(notice, { productName: PRODUCT_NAME }));
  return { mailer, send, notify };
}
