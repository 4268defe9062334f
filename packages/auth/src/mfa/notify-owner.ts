import type { NoticeMail } from "../account-mailer";
import type { Core } from "../core";
import { orUnavailable } from "../errors";

/** A notice without its address: the owner's email is read here. */
export type OwnerNotice = NoticeMail extends infer M
  ? M extends NoticeMail
    ? Omit<M, "to">
    : never
  : never;

/** Mails the account's owner a notice (queued; the caller does not wait for SMTP). */
export async function notifyOwner(
  deps: Pick<Core, "db" | "notify">,
  notice: OwnerNotice,
): Promise<void> {
  const user = await orUnavailable(() =>
    deps.db.prisma.user.findUnique({ where: { id: notice.userId }, select: { email: true } }),
  );
  if (user) deps.notify({ ...notice, to: user.email });
}
