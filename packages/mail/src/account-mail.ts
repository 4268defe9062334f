import type { OutgoingMail } from "./mailer";

/** The two mails an account gets: both carry a single-use link to the web app. */
export type AccountMailKind = "password_reset" | "email_verification";

export interface AccountMail {
  kind: AccountMailKind;
  to: string;
  /** The raw single-use token; it appears in the link and nowhere else. */
  token: string;
  /** How long the link works, for the sentence that says so. */
  ttlSeconds: number;
}

export interface AccountMailSettings {
  /** The web app's public origin (`APP_URL`), without a trailing slash. */
  appUrl: string;
  productName: string;
}

const PAGES: Record<AccountMailKind, string> = {
  password_reset: "/reset-password",
  email_verification: "/verify-email",
};

/** `${APP_URL}/reset-password?token=…` or `${APP_URL}/verify-email?token=…`. */
export function accountLink(kind: AccountMailKind, token: string, appUrl: string): string {
  const url = new URL(PAGES[kind], `${appUrl.replace(/\/$/, "")}/`);
  url.searchParams.set("token", token);
  return url.toString();
}

/** "30 minutes", "24 hours", "7 days": the largest unit that divides the lifetime exactly. */
export function describeLifetime(seconds: number): string {
  const units = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ] as const;
  for (const [size, name] of units) {
    // 24 hours reads better than 1 day for a link: "expires in 24 hours".
    if (seconds % size === 0 && seconds >= size * (name === "day" ? 2 : 1)) {
      const count = seconds / size;
      return `${count} ${name}${count === 1 ? "" : "s"}`;
    }
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** Short plain text plus simple HTML: the product, the link, its lifetime, and "ignore if not you". */
export function renderAccountMail(mail: AccountMail, settings: AccountMailSettings): OutgoingMail {
  const link = accountLink(mail.kind, mail.token, settings.appUrl);
  const lifetime = describeLifetime(mail.ttlSeconds);
  const product = settings.productName;
  const { subject, intro, action } =
    mail.kind === "password_reset"
      ? {
          subject: `Reset your ${product} password`,
          intro: `Someone asked to reset the password of your ${product} account.`,
          action: "Choose a new password",
        }
      : {
          subject: `Confirm your email for ${product}`,
          intro: `Please confirm that this address belongs to your ${product} account.`,
          action: "Confirm your email",
        };
  const ignore = "If this was not you, ignore this mail: nothing changes.";
  const text = [
    intro,
    "",
    `${action}: ${link}`,
    "",
    `The link works once and expires in ${lifetime}.`,
    ignore,
    "",
    `— ${product}`,
  ].join("\n");
  const html = [
    `<p>${escapeHtml(intro)}</p>`,
    `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>`,
    `<p>The link works once and expires in ${escapeHtml(lifetime)}.<br>${escapeHtml(ignore)}</p>`,
    `<p>— ${escapeHtml(product)}</p>`,
  ].join("\n");
  return { kind: mail.kind, to: mail.to, subject, text, html };
}
