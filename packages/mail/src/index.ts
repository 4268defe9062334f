/**
 * @authkit/mail: renders the account mails and sends them with nodemailer over SMTP, in the
 * background with a bounded retry. Without SMTP_URL a mail is printed (development) or dropped.
 */
export {
  createMailer,
  type Mailer,
  type MailerOptions,
  type MailFailure,
  type OutgoingMail,
} from "./mailer";
export {
  accountLink,
  describeLifetime,
  renderAccountMail,
  type AccountMail,
  type AccountMailKind,
  type AccountMailSettings,
} from "./account-mail";
export { renderNoticeMail, type NoticeMail } from "./notice-mail";
export type { MailTransport } from "./transport";
