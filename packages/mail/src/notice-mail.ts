import type { OutgoingMail } from "./mailer";

/** Mails that tell the owner their account's protection changed: no link, nothing to click. */
export type NoticeMail =
  | { kind: "mfa_factor_added" | "mfa_factor_removed"; to: string; factorType: string }
  | { kind: "mfa_reset_by_admin"; to: string }
  | { kind: "recovery_code_used"; to: string; remaining: number };

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const factorLabel = (type: string) => (type === "totp" ? "an authenticator app" : "a passkey");

/** The subject and the sentences of a notice. */
function wording(mail: NoticeMail, product: string): { subject: string; lines: string[] } {
  switch (mail.kind) {
    case "mfa_factor_added":
      return {
        subject: `A second factor was added to your ${product} account`,
        lines: [`${factorLabel(mail.factorType)} now protects your ${product} account.`],
      };
    case "mfa_factor_removed":
      return {
        subject: `A second factor was removed from your ${product} account`,
        lines: [`${factorLabel(mail.factorType)} no longer protects your ${product} account.`],
      };
    case "mfa_reset_by_admin":
      return {
        subject: `Your ${product} second factors were reset`,
        lines: [
          `An administrator removed every second factor and recovery code of your ${product} account.`,
        ],
      };
    case "recovery_code_used":
      return {
        subject: `A recovery code was used on your ${product} account`,
        lines: [
          `Someone signed in to your ${product} account with a recovery code; ${mail.remaining} left.`,
          ...(mail.remaining <= 3 ? ["Generate a new set on your account's security page."] : []),
        ],
      };
  }
}

/** Plain text plus simple HTML: what happened, and what to do if it was not you. */
export function renderNoticeMail(
  mail: NoticeMail,
  settings: { productName: string },
): OutgoingMail {
  const product = settings.productName;
  const { subject, lines } = wording(mail, product);
  const warn = `If this was not you, change your password and contact support now.`;
  const text = [...lines, "", warn, "", `— ${product}`].join("\n");
  const html = [...lines, warn, `— ${product}`]
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join("\n");
  return { kind: mail.kind, to: mail.to, subject, text, html };
}
