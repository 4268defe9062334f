/**
 * The run's mailbox: a real SMTP server (@authkit/mail/testing) in the process that starts the
 * run, writing each mail it receives to a directory as JSON, which every worker reads
 * (./mailbox). The Authkit server under test sends to it (SMTP_URL).
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { startSmtpReceiver } from "@authkit/mail/testing";

import type { SpooledMail } from "./mailbox";

export interface MailSpool {
  /** `smtp://127.0.0.1:port`, for the server's SMTP_URL. */
  smtpUrl: string;
  dir: string;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one) and spools into `dir` (created if missing). */
export async function startMailSpool({
  port,
  dir,
}: {
  port: number;
  dir: string;
}): Promise<MailSpool> {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const receiver = await startSmtpReceiver({
    port,
    onMail: (mail) => {
      const spooled: SpooledMail = { to: mail.to, subject: mail.subject, text: mail.text };
      // Ordered names; written aside then renamed, so a reader never sees half a file.
      const name = `${Date.now().toString().padStart(15, "0")}-${String(count++).padStart(6, "0")}`;
      writeFileSync(join(dir, `${name}.tmp`), JSON.stringify(spooled));
      renameSync(join(dir, `${name}.tmp`), join(dir, `${name}.json`));
    },
  });
  const bound = new URL(receiver.url).port;
  return { smtpUrl: `smtp://127.0.0.1:${bound}`, dir, close: () => receiver.close() };
}
