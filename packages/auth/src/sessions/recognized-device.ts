import type { Core } from "../core";
import { orUnavailable } from "../errors";

/**
 * The id of the device cookie a login brings (../device.ts), or null for a fresh client: it
 * must be ours, for this account, younger than DEVICE_COOKIE_MAX_AGE, and issued at the
 * account's current credential epoch. The epoch costs one read by the unique email, and only
 * for a cookie whose MAC and age already passed (a made-up one costs nothing); it runs before
 * the login limits are taken, and no argon2 work ever does.
 */
export async function recognizedDevice(
  deps: Pick<Core, "db" | "devices">,
  { email, account }: { email: string; account: string },
  deviceToken: string | null | undefined,
): Promise<string | null> {
  const claim = deps.devices.read(deviceToken, account);
  if (!claim) return null;
  const user = await orUnavailable(() =>
    deps.db.prisma.user.findUnique({ where: { email }, select: { credentialEpoch: true } }),
  );
  return user?.credentialEpoch === claim.credentialEpoch ? claim.id : null;
}
