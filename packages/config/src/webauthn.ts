/**
 * The WebAuthn relying party (docs/passkeys.md): its ID (a domain), the origins browsers may
 * present a passkey ceremony from, and the name authenticators show. By default all three come
 * from APP_URL; an operator whose app and API live on different hosts names them.
 */
import { isIP } from "node:net";

export interface WebAuthnSettings {
  /** The RP ID: a passkey is bound to it for good, so changing it orphans every passkey. */
  rpId: string;
  rpName: string;
  /** Exact origins (`https://app.example.com`) a ceremony may come from. */
  origins: string[];
}

export interface WebAuthnEnv {
  WEBAUTHN_RP_ID: string | undefined;
  WEBAUTHN_ORIGINS: string | undefined;
  WEBAUTHN_RP_NAME: string | undefined;
}

/** The settings, or the problems that stop start-up (each naming its variable). */
export function webauthnSettings(
  env: WebAuthnEnv,
  appUrl: string,
): { settings: WebAuthnSettings; problems: string[] } {
  const problems: string[] = [];
  const origins: string[] = [];
  const listed = env.WEBAUTHN_ORIGINS?.split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  for (const text of listed?.length ? listed : [appUrl]) {
    const origin = originOf(text);
    if (origin) origins.push(origin);
    else
      problems.push(
        `WEBAUTHN_ORIGINS: "${text}" is not an origin like https://app.example.com (scheme, host and optional port, nothing else)`,
      );
  }
  const rpId = (env.WEBAUTHN_RP_ID ?? new URL(origins[0] ?? appUrl).hostname).toLowerCase();
  problems.push(...rpIdProblems(rpId, origins));
  return {
    settings: { rpId, rpName: env.WEBAUTHN_RP_NAME ?? "Authkit", origins },
    problems,
  };
}

/** `https://host[:port]` for a URL that is exactly an origin (http or https), else null. */
function originOf(text: string): string | null {
  try {
    const url = new URL(text);
    const bare = url.pathname === "/" && !url.search && !url.hash && !url.username;
    return ["http:", "https:"].includes(url.protocol) && bare ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * WebAuthn §5.1.4.1 (the RP ID rules): the RP ID must be each origin's host or a registrable
 * suffix of it, and browsers refuse a public suffix (`com`) or a bare IP unless it is the host.
 * Without a public-suffix list we refuse any single-label RP ID other than `localhost`, which
 * covers the common mistakes; docs/passkeys.md says the rest.
 */
function rpIdProblems(rpId: string, origins: string[]): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9.-]+$/.test(rpId) && !isIP(rpId))
    return [`WEBAUTHN_RP_ID: "${rpId}" is not a domain (no scheme, port or path: example.com)`];
  if (!rpId.includes(".") && rpId !== "localhost" && !isIP(rpId))
    problems.push(
      `WEBAUTHN_RP_ID: "${rpId}" is a top-level name; browsers refuse it. Use the site's domain (example.com)`,
    );
  for (const origin of origins) {
    const host = new URL(origin).hostname;
    const covered = host === rpId || (!isIP(host) && host.endsWith(`.${rpId}`));
    if (!covered)
      problems.push(
        `WEBAUTHN_RP_ID: "${rpId}" is neither the host of ${origin} nor a domain it belongs to, so browsers would refuse every passkey ceremony there. Set WEBAUTHN_RP_ID to a domain every WEBAUTHN_ORIGINS host ends with, or list only origins under it`,
      );
  }
  return problems;
}
