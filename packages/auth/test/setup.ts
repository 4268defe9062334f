import { loadConfig } from "@authkit/config";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "@authkit/db/testing";

import { createAuth, type Auth } from "../src/create";
import type { LoginInput, LoginResult } from "../src/sessions/login";
import type { AccountMail, NoticeMail } from "../src/account-mailer";
import type { SecurityEvent } from "../src/events";
import { PasswordHasher } from "../src/password";
import type { Identity, RequestMeta } from "../src/types";

export const SECRET = "7d2f9b4e1a8c5f3b6e0d9a2c7f4b1e8d5a3c6f9b2e7d4a1c8f5b3e6d0a9c2f7b";

/** Time that moves only when told: tests step over windows instead of sleeping. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  now = () => this.ms;
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

export interface CoreUnderTest {
  auth: Auth;
  db: TestDatabase;
  clock: TestClock;
  events: SecurityEvent[];
  /** The reset and verification mails the core asked for, with their raw tokens. */
  mails: AccountMail[];
  /** The notices (factor added or removed, recovery code used) the core asked to mail. */
  notices: NoticeMail[];
  close(): Promise<void>;
}

/** The real core over a real database, with a test clock and its security events collected. */
export async function startCore({
  kind = "pglite",
  env = {},
  db: shared,
  passwords = new PasswordHasher(),
}: {
  kind?: DatabaseKind;
  env?: Record<string, string>;
  db?: TestDatabase;
  passwords?: PasswordHasher;
} = {}): Promise<CoreUnderTest> {
  const db = shared ?? (await createTestDatabase(kind));
  const clock = new TestClock();
  const events: SecurityEvent[] = [];
  const mails: AccountMail[] = [];
  const notices: NoticeMail[] = [];
  const config = loadConfig(
    { NODE_ENV: "test", AUTH_SECRET: SECRET, APP_URL: "http://app.test", ...env },
    { warn: () => undefined },
  );
  const auth = await createAuth({
    config,
    db,
    clock,
    passwords,
    events: (e) => events.push(e),
    mail: (m) => mails.push(m),
    notify: (n) => notices.push(n),
  });
  return {
    auth,
    db,
    clock,
    events,
    mails,
    notices,
    close: async () => {
      await auth.close();
      if (!shared) await db.destroy();
    },
  };
}

let counter = 0;
export const uniqueEmail = (label = "user") => `${label}-${Date.now()}-${counter++}@example.com`;
export const PASSWORD = "correct horse battery";

/** Signs in an account without a second factor: the session, or a failure saying what came instead. */
export async function loginSession(
  auth: Pick<Auth, "sessions">,
  input: LoginInput,
  meta?: RequestMeta,
): Promise<LoginResult> {
  const outcome = await auth.sessions.login(input, meta);
  if (outcome.status !== "signed_in") throw new Error(`expected a session, got ${outcome.status}`);
  return outcome.session;
}

/** Registers and signs in; returns the pair and the identity its access token stands for. */
export async function signedIn(core: CoreUnderTest, email = uniqueEmail(), password = PASSWORD) {
  await core.auth.accounts.register({ email, password }).catch(() => undefined);
  const pair = await loginSession(core.auth, { email, password });
  const identity: Identity = await core.auth.authenticate(pair.accessToken);
  return { email, password, pair, identity };
}

/** Whether an access token still authenticates. */
export const accepted = (core: CoreUnderTest, token: string) =>
  core.auth.authenticate(token).then(
    () => true,
    () => false,
  );
