/* eslint-disable no-restricted-properties -- a test run is configured from its environment */
/**
 * What the fixtures talk to, as the run was configured: the environment variables below (set by
 * a global setup that started the server, or by the author for a deployment of their own), or
 * the Playwright project's `baseURL`.
 */

/** The environment variables `@authkit/testing` reads. */
export const AUTHKIT_ENV = {
  /** The Authkit server under test (origin, no path). Default: the project's `baseURL`. */
  baseURL: "AUTHKIT_BASE_URL",
  /** The admin the server was started with (ADMIN_EMAIL / ADMIN_PASSWORD), for `admin`. */
  adminEmail: "AUTHKIT_ADMIN_EMAIL",
  adminPassword: "AUTHKIT_ADMIN_PASSWORD",
  /** Where the run's SMTP receiver stores what it gets, for `mailbox` (one JSON file a mail). */
  mailboxDir: "AUTHKIT_MAILBOX_DIR",
} as const;

export interface Credentials {
  email: string;
  password: string;
}

export function envValue(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** The Authkit origin: the explicit option, else AUTHKIT_BASE_URL, else the project's baseURL. */
export function resolveAuthkitURL(option: string | undefined, baseURL: string | undefined): string {
  const url = option ?? envValue(AUTHKIT_ENV.baseURL) ?? baseURL;
  if (!url)
    throw new Error(
      `@authkit/testing: no Authkit server. Set ${AUTHKIT_ENV.baseURL}, the \`authkitURL\` option or the project's baseURL, or add the global setup that starts one (docs/testing.md).`,
    );
  return url.replace(/\/+$/, "");
}

export function envAdmin(): Credentials | undefined {
  const email = envValue(AUTHKIT_ENV.adminEmail);
  const password = envValue(AUTHKIT_ENV.adminPassword);
  return email && password ? { email, password } : undefined;
}
