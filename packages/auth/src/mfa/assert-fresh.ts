import type { Core } from "../core";
import { AuthError } from "../errors";
import type { Identity } from "../types";

/**
 * Step-up: an action that changes how an account is protected (its factors, its recovery codes,
 * and admin actions when so configured) needs a recent proof of who the caller is, not merely a
 * live session. `auth_time` is that proof's time; a refresh carries it, never renews it.
 */
export function assertFresh(
  deps: Pick<Core, "clock"> & { settings: Pick<Core["settings"], "reauthMaxAgeSeconds"> },
  identity: Pick<Identity, "token">,
  maxAgeSeconds: number = deps.settings.reauthMaxAgeSeconds,
): void {
  const age = deps.clock.now() / 1000 - identity.token.auth_time;
  if (age > maxAgeSeconds) throw new AuthError("REAUTHENTICATION_REQUIRED");
}
