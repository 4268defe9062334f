/**
 * Issue 23, finding 11: `password` registered and signed in. Every way of setting a password
 * (tRPC `auth.register`, `auth.changePassword`, `auth.resetPassword`, the forms without
 * JavaScript) now refuses the most common passwords (PASSWORD_TOO_WEAK) and, with
 * PASSWORD_BREACH_CHECK=hibp, breached ones (PASSWORD_BREACHED), changing nothing. The breach
 * service is a real HTTP server in this process speaking HIBP's range protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRangeApi, type RangeApi } from "@authkit/auth/testing";
import { startSmtpReceiver, tokenIn, type SmtpReceiver } from "@authkit/mail/testing";

import {
  call,
  LogCapture,
  login,
  quickDatabase,
  registerAndLogin,
  startTestServer,
  uniqueEmail,
  type CallResult,
  type TestServer,
} from "./harness";

const BREACHED = "correct horse battery staple";
const STRONG = "a long unguessable passphrase 42";
const WEAK = ["password", "12345678", "qwerty123", "P@ssw0rd!", "letmein123"];
const SAME_ORIGIN = { origin: "http://app.test", "sec-fetch-site": "same-origin" };

const authCodeOf = (result: CallResult) =>
  (result.body.error?.data as { authCode?: string } | undefined)?.authCode;

function postForm(base: string, path: string, fields: Record<string, string>) {
  return fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...SAME_ORIGIN },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("the password policy at every entry point", () => {
  let rangeApi: RangeApi;
  let smtp: SmtpReceiver;
  let server: TestServer;
  let base: string;
  const logs = new LogCapture();
  beforeAll(async () => {
    rangeApi = await startRangeApi({ breached: [BREACHED] });
    smtp = await startSmtpReceiver();
    server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: {
        PASSWORD_BREACH_CHECK: "hibp",
        PASSWORD_BREACH_CHECK_URL: rangeApi.url,
        SMTP_URL: smtp.url,
        LOG_LEVEL: "info",
        RATE_LIMIT_PASSWORD_RESET_EMAIL: "100/1m",
        RATE_LIMIT_PASSWORD_RESET_IP: "100000/1m",
      },
      logDestination: logs,
    });
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
    await rangeApi?.close();
  });
  const userCount = (email: string) => server.db.prisma.user.count({ where: { email } });

  it.each(WEAK)(
    "auth.register refuses %j with PASSWORD_TOO_WEAK and creates nothing",
    async (password) => {
      const email = uniqueEmail("weak");
      const result = await call(base, "mutation", "auth.register", { input: { email, password } });
      expect(result.status).toBe(400);
      expect(authCodeOf(result)).toBe("PASSWORD_TOO_WEAK");
      expect(result.body.error?.message).toMatch(/too easy to guess/);
      expect(await userCount(email)).toBe(0);
      // …and so `password` cannot sign in either: there is no such account.
      expect(
        (await call(base, "mutation", "auth.login", { input: { email, password } })).status,
      ).toBe(401);
    },
  );

  it("auth.register refuses a breached password with PASSWORD_BREACHED, and a password made of the email", async () => {
    const email = uniqueEmail("breached");
    const breached = await call(base, "mutation", "auth.register", {
      input: { email, password: BREACHED },
    });
    expect(breached.status).toBe(400);
    expect(authCodeOf(breached)).toBe("PASSWORD_BREACHED");
    const own = await call(base, "mutation", "auth.register", {
      input: { email: "grace.hopper@example.com", password: "GraceHopper1906" },
    });
    expect(authCodeOf(own)).toBe("PASSWORD_TOO_WEAK");
    expect(await userCount(email)).toBe(0);
    expect(
      (await call(base, "mutation", "auth.register", { input: { email, password: STRONG } }))
        .status,
    ).toBe(200);
  });

  it("the registration form sends the browser back with weak_password or breached_password", async () => {
    for (const [password, code] of [
      ["password", "weak_password"],
      [BREACHED, "breached_password"],
    ]) {
      const email = uniqueEmail("form");
      const response = await postForm(base, "/api/auth/register", {
        email,
        password: password!,
        confirmPassword: password!,
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(`/register?error=${code}`);
      expect(await userCount(email)).toBe(0);
    }
  });

  it("auth.changePassword refuses a weak or breached new password and changes nothing", async () => {
    const user = await registerAndLogin(base, { password: STRONG });
    for (const [newPassword, code] of [
      ["password1", "PASSWORD_TOO_WEAK"],
      [BREACHED, "PASSWORD_BREACHED"],
    ]) {
      const result = await call(base, "mutation", "auth.changePassword", {
        token: user.accessToken,
        input: { currentPassword: STRONG, newPassword },
      });
      expect(result.status).toBe(400);
      expect(authCodeOf(result)).toBe(code);
    }
    // The session lives on and the old password still works.
    expect((await call(base, "query", "user.me", { token: user.accessToken })).status).toBe(200);
    await login(base, user.email, STRONG);
  });

  it("a reset refuses a weak password over tRPC and the form, and the link still works after", async () => {
    const user = await registerAndLogin(base, { password: STRONG });
    await call(base, "mutation", "auth.requestPasswordReset", { input: { email: user.email } });
    const mail = await smtp.waitFor(
      (m) => m.to.includes(user.email) && m.subject.startsWith("Reset"),
    );
    const token = tokenIn(mail);

    const weak = await call(base, "mutation", "auth.resetPassword", {
      input: { token, password: "iloveyou" },
    });
    expect(authCodeOf(weak)).toBe("PASSWORD_TOO_WEAK");
    const form = await postForm(base, "/api/auth/reset-password", {
      token,
      password: BREACHED,
      confirmPassword: BREACHED,
    });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe(
      `/reset-password?token=${encodeURIComponent(token)}&error=breached_password`,
    );
    // Nothing changed: the old password signs in, and the link is still good for a strong one.
    await login(base, user.email, STRONG);
    const reset = await call(base, "mutation", "auth.resetPassword", {
      input: { token, password: "a brand new passphrase 77" },
    });
    expect(reset.status).toBe(200);
    await login(base, user.email, "a brand new passphrase 77");
  });

  it("fails open when the breach service is down: the password is accepted and a warning logged", async () => {
    rangeApi.answer = "status-503";
    try {
      const email = uniqueEmail("outage");
      const result = await call(base, "mutation", "auth.register", {
        input: { email, password: BREACHED },
      });
      expect(result.status).toBe(200);
      expect(logs.lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          event: "password.breach_check_failed",
          reason: "status",
        }),
      );
    } finally {
      rangeApi.answer = "ranges";
    }
    // Never the password, nor its hash prefix, in a log line.
    expect(logs.text).not.toContain(BREACHED);
    expect(logs.text).not.toContain("P@ssw0rd!");
  });
});
