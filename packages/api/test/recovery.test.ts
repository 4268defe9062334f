/**
 * Account recovery and verification by real mail (issue 16): the server sends over SMTP to a
 * real SMTP server in this process, and each test reads the link out of the mail it received.
 * The server's clock is a TestClock, so expiry is a step of the clock, never a wait.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  startSmtpReceiver,
  tokenIn,
  type ReceivedMail,
  type SmtpReceiver,
} from "@authkit/mail/testing";

import {
  call,
  cookieFrom,
  LogCapture,
  login,
  quickDatabase,
  registerAndLogin,
  startTestServer,
  uniqueEmail,
  type CallResult,
  type TestServer,
} from "./harness";
import { errorCode, isError, isRevoked, openSse, subscriptionUrl, ticketFor } from "./sse";

/** Every mail asked for so far was delivered or given up (its token stored first). */
async function mailsSettled(server: TestServer): Promise<void> {
  await server.app.auth.settled();
  await server.app.mailer.idle();
}

type ErrorData = { code: string; authCode?: string | null };
const authCodeOf = (result: CallResult) =>
  (result.body.error?.data as ErrorData | undefined)?.authCode;

const me = (base: string, token: string) =>
  call<{ email: string; emailVerified: boolean }>(base, "query", "user.me", { token });

const isReset = (email: string) => (mail: ReceivedMail) =>
  mail.to.includes(email) && mail.subject.startsWith("Reset");
const isVerification = (email: string) => (mail: ReceivedMail) =>
  mail.to.includes(email) && mail.subject.startsWith("Confirm");

describe.each(["database", "upstash", "memory"] as const)(
  "recovery by mail, %s revocation store",
  (store) => {
    let smtp: SmtpReceiver;
    let server: TestServer;
    let base: string;
    const logs = new LogCapture();

    beforeAll(async () => {
      smtp = await startSmtpReceiver();
      server = await startTestServer({
        // The memory store (and its profile cache) is the embedded default's: on PGlite only.
        database: store === "memory" ? "pglite" : await quickDatabase(),
        store,
        env: {
          SMTP_URL: smtp.url,
          MAIL_FROM: "Authkit <auth@app.test>",
          LOG_LEVEL: "info",
          RATE_LIMIT_PASSWORD_RESET_EMAIL: "3/15m",
          RATE_LIMIT_PASSWORD_RESET_IP: "100000/1m",
        },
        logDestination: logs,
      });
      base = server.url;
    });
    afterAll(async () => {
      await server?.close();
      await smtp?.close();
    });

    const requestReset = (email: string) =>
      call(base, "mutation", "auth.requestPasswordReset", { input: { email } });
    const resetPassword = (token: string, password: string) =>
      call(base, "mutation", "auth.resetPassword", { input: { token, password } });
    const events = (name: string) => logs.lines.filter((line) => line.event === name);

    it("answers a known and an unknown email alike, and mails only the known one", async () => {
      const user = await registerAndLogin(base);
      const unknown = uniqueEmail("nobody");
      const known = await requestReset(user.email);
      const stranger = await requestReset(unknown);
      expect(known.status).toBe(200);
      expect(stranger.status).toBe(known.status);
      expect(stranger.text).toBe(known.text);
      // Everything queued so far has been delivered or given up: the absence below is real.
      await mailsSettled(server);
      const mail = await smtp.waitFor(isReset(user.email));
      expect(mail.from).toBe("auth@app.test");
      expect(mail.text).toMatch(
        /^Choose a new password: http:\/\/app\.test\/reset-password\?token=/m,
      );
      expect(mail.text).toContain("30 minutes");
      expect(smtp.mails.filter((m) => m.to.includes(unknown))).toEqual([]);
    });

    it("resets once: the old password, every session, access token and live stream die, and the email counts as verified", async () => {
      const user = await registerAndLogin(base);
      const other = await login(base, user.email, user.password);
      const stream = await openSse(
        subscriptionUrl(base, "session.events", {
          ticket: await ticketFor(base, other.accessToken),
        }),
      );
      await stream.waitFor((e) => (e.data as { type?: string }).type === "connected");
      expect((await me(base, user.accessToken)).data.emailVerified).toBe(false);
      const versionOf = async () =>
        (
          await server.db.prisma.user.findUniqueOrThrow({
            where: { id: user.userId },
            select: { tokenVersion: true },
          })
        ).tokenVersion;
      const versionBefore = await versionOf();

      expect((await requestReset(user.email)).status).toBe(200);
      const token = tokenIn(await smtp.waitFor(isReset(user.email)));
      const done = await resetPassword(token, "a fresh password after reset");
      expect(done.status).toBe(200);

      expect((await stream.waitFor(isRevoked)).data).toEqual({
        type: "revoked",
        reason: "password_reset",
      });
      expect(errorCode(await stream.waitFor(isError))).toBe("UNAUTHORIZED");
      // Every access token of the user, whatever session it names, dies by its version too.
      expect(await versionOf()).toBeGreaterThan(versionBefore);
      for (const session of [user, other]) {
        expect((await me(base, session.accessToken)).status).toBe(401);
        expect(
          (await call(base, "mutation", "auth.refresh", { cookie: session.cookie })).status,
        ).toBe(401);
      }
      const old = await call(base, "mutation", "auth.login", {
        input: { email: user.email, password: user.password },
      });
      expect(old.status).toBe(401);
      const fresh = await login(base, user.email, "a fresh password after reset");
      expect((await me(base, fresh.accessToken)).data.emailVerified).toBe(true);

      // Single use: the same link again is the one generic answer a made-up token gets.
      const again = await resetPassword(token, "yet another password");
      const madeUp = await resetPassword("A".repeat(43), "yet another password");
      expect(again.status).toBe(400);
      expect(authCodeOf(again)).toBe("INVALID_TOKEN");
      expect(madeUp.text).toBe(again.text);
      expect((await me(base, fresh.accessToken)).status).toBe(200);

      expect(events("password.reset").map((e) => e.userId)).toContain(fresh.userId);
      expect(logs.text).not.toContain(token);
    });

    it("lets exactly one of concurrent resets with the same link win", async () => {
      const user = await registerAndLogin(base);
      await requestReset(user.email);
      const token = tokenIn(await smtp.waitFor(isReset(user.email)));
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => resetPassword(token, `concurrent password ${i}`)),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400]);
      const winner = results.findIndex((r) => r.status === 200);
      expect(
        (await login(base, user.email, `concurrent password ${winner}`)).accessToken,
      ).toBeTruthy();
    });

    it("works without JavaScript through the form endpoints, with the same answers", async () => {
      const post = (path: string, fields: Record<string, string>) =>
        fetch(`${base}${path}`, {
          method: "POST",
          redirect: "manual",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: "http://app.test",
            "sec-fetch-site": "same-origin",
          },
          body: new URLSearchParams(fields).toString(),
        });
      const user = await registerAndLogin(base);
      const known = await post("/api/auth/forgot-password", { email: user.email });
      const unknown = await post("/api/auth/forgot-password", { email: uniqueEmail("nobody") });
      expect(known.status).toBe(303);
      expect(known.headers.get("location")).toBe("/forgot-password?sent=1");
      expect(unknown.headers.get("location")).toBe(known.headers.get("location"));
      expect(
        (await post("/api/auth/forgot-password", { email: "not-an-email" })).headers.get(
          "location",
        ),
      ).toBe("/forgot-password?error=invalid_email");

      const token = tokenIn(await smtp.waitFor(isReset(user.email)));
      const mismatch = await post("/api/auth/reset-password", {
        token,
        password: "the form's new password",
        confirmPassword: "something else",
      });
      expect(mismatch.headers.get("location")).toBe(
        `/reset-password?token=${token}&error=password_mismatch`,
      );
      const done = await post("/api/auth/reset-password", {
        token,
        password: "the form's new password",
        confirmPassword: "the form's new password",
      });
      expect(done.headers.get("location")).toBe("/login?reset=1");
      expect((await me(base, user.accessToken)).status).toBe(401);
      const again = await post("/api/auth/reset-password", {
        token,
        password: "another password entirely",
        confirmPassword: "another password entirely",
      });
      expect(again.headers.get("location")).toBe(
        `/reset-password?token=${token}&error=invalid_token`,
      );
      expect((await login(base, user.email, "the form's new password")).accessToken).toBeTruthy();
    });

    it("expires a link after PASSWORD_RESET_TTL, and a newer request voids the older link", async () => {
      const user = await registerAndLogin(base);
      await requestReset(user.email);
      const first = await smtp.waitFor(isReset(user.email));
      await requestReset(user.email);
      const second = await smtp.waitFor((m) => isReset(user.email)(m) && m !== first);
      expect(authCodeOf(await resetPassword(tokenIn(first), "a password that never lands"))).toBe(
        "INVALID_TOKEN",
      );
      server.clock.advance(30 * 60 + 1);
      const late = await resetPassword(tokenIn(second), "a password that never lands");
      expect(late.status).toBe(400);
      expect(authCodeOf(late)).toBe("INVALID_TOKEN");
      const old = await call(base, "mutation", "auth.login", {
        input: { email: user.email, password: user.password },
      });
      expect(old.status).toBe(200);
    });

    it("limits requests per email with the same answer whether or not the account exists", async () => {
      const user = await registerAndLogin(base);
      const unknown = uniqueEmail("nobody");
      for (let i = 0; i < 3; i++) {
        expect((await requestReset(user.email)).status).toBe(200);
        expect((await requestReset(unknown)).status).toBe(200);
      }
      const known = await requestReset(user.email);
      const stranger = await requestReset(unknown);
      expect(known.status).toBe(429);
      expect(stranger.status).toBe(429);
      expect(stranger.body.error?.data.code).toBe(known.body.error?.data.code);
      expect(stranger.body.error?.message).toBe(known.body.error?.message);
    });

    it("mails a verification link at registration; it verifies once and user.me says so", async () => {
      const user = await registerAndLogin(base);
      const mail = await smtp.waitFor(isVerification(user.email));
      expect(mail.text).toContain("http://app.test/verify-email?token=");
      expect(mail.text).toContain("24 hours");
      expect((await me(base, user.accessToken)).data.emailVerified).toBe(false);
      const verify = (token: string) =>
        call(base, "mutation", "auth.verifyEmail", { input: { token } });
      expect((await verify(tokenIn(mail))).status).toBe(200);
      expect((await me(base, user.accessToken)).data.emailVerified).toBe(true);
      const again = await verify(tokenIn(mail));
      expect(again.status).toBe(400);
      expect(authCodeOf(again)).toBe("INVALID_TOKEN");
      expect(events("email.verified").map((e) => e.userId)).toContain(user.userId);
    });

    it("verifies without JavaScript through the form endpoint", async () => {
      const user = await registerAndLogin(base);
      const token = tokenIn(await smtp.waitFor(isVerification(user.email)));
      const post = (fields: Record<string, string>) =>
        fetch(`${base}/api/auth/verify-email`, {
          method: "POST",
          redirect: "manual",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: "http://app.test",
            "sec-fetch-site": "same-origin",
          },
          body: new URLSearchParams(fields).toString(),
        });
      expect((await post({ token })).headers.get("location")).toBe("/verify-email?verified=1");
      expect((await me(base, user.accessToken)).data.emailVerified).toBe(true);
      expect((await post({ token })).headers.get("location")).toBe(
        "/verify-email?error=invalid_token",
      );
    });

    it("resends a new link that voids the old one, expires it after EMAIL_VERIFICATION_TTL, and sends nothing once verified", async () => {
      const user = await registerAndLogin(base);
      const first = await smtp.waitFor(isVerification(user.email));
      const resend = () =>
        call(base, "mutation", "auth.resendVerification", { token: user.accessToken });
      expect((await call(base, "mutation", "auth.resendVerification")).status).toBe(401);
      expect((await resend()).status).toBe(200);
      const second = await smtp.waitFor((m) => isVerification(user.email)(m) && m !== first);
      const verify = (token: string) =>
        call(base, "mutation", "auth.verifyEmail", { input: { token } });
      expect(authCodeOf(await verify(tokenIn(first)))).toBe("INVALID_TOKEN");

      expect((await resend()).status).toBe(200);
      const third = await smtp.waitFor(
        (m) => isVerification(user.email)(m) && m !== first && m !== second,
      );
      server.clock.advance(24 * 3600 + 1);
      expect(authCodeOf(await verify(tokenIn(third)))).toBe("INVALID_TOKEN");
      const fresh = await login(base, user.email, user.password);
      expect((await me(base, fresh.accessToken)).data.emailVerified).toBe(false);
    });

    it("limits resends per account (RATE_LIMIT_VERIFICATION_RESEND, 3 per 15 minutes)", async () => {
      const user = await registerAndLogin(base);
      const resend = () =>
        call(base, "mutation", "auth.resendVerification", { token: user.accessToken });
      for (let i = 0; i < 3; i++) expect((await resend()).status).toBe(200);
      const limited = await resend();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    });

    it("sends nothing on resend once the email is verified", async () => {
      const user = await registerAndLogin(base);
      const mail = await smtp.waitFor(isVerification(user.email));
      await call(base, "mutation", "auth.verifyEmail", { input: { token: tokenIn(mail) } });
      expect(
        (await call(base, "mutation", "auth.resendVerification", { token: user.accessToken }))
          .status,
      ).toBe(200);
      await mailsSettled(server);
      expect(smtp.mails.filter(isVerification(user.email))).toHaveLength(1);
    });
  },
);

describe("REQUIRE_EMAIL_VERIFICATION=true", () => {
  let smtp: SmtpReceiver;
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: { SMTP_URL: smtp.url, REQUIRE_EMAIL_VERIFICATION: "true" },
    });
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it("refuses an unverified login with EMAIL_NOT_VERIFIED, resends from the login page, and lets the verified account in", async () => {
    const email = uniqueEmail("unverified");
    const password = "correct horse battery";
    expect(
      (await call(base, "mutation", "auth.register", { input: { email, password } })).status,
    ).toBe(200);
    const first = await smtp.waitFor(isVerification(email));

    const refused = await call(base, "mutation", "auth.login", { input: { email, password } });
    expect(refused.status).toBe(403);
    expect(authCodeOf(refused)).toBe("EMAIL_NOT_VERIFIED");
    expect(cookieFrom(refused)).toBeNull();
    // A wrong password learns nothing about verification: the generic 401.
    const wrong = await call(base, "mutation", "auth.login", {
      input: { email, password: "not the password" },
    });
    expect(wrong.status).toBe(401);
    expect(authCodeOf(wrong)).toBe("INVALID_CREDENTIALS");

    const resend = await call(base, "mutation", "auth.requestVerificationEmail", {
      input: { email },
    });
    const stranger = await call(base, "mutation", "auth.requestVerificationEmail", {
      input: { email: uniqueEmail("nobody") },
    });
    expect(resend.status).toBe(200);
    expect(stranger.text).toBe(resend.text);
    const second = await smtp.waitFor((m) => isVerification(email)(m) && m !== first);
    expect(
      (await call(base, "mutation", "auth.verifyEmail", { input: { token: tokenIn(second) } }))
        .status,
    ).toBe(200);
    const signedIn = await login(base, email, password);
    expect((await me(base, signedIn.accessToken)).data.emailVerified).toBe(true);
  });

  it("refuses the OAuth password grant of an unverified account with invalid_grant, not a 500", async () => {
    const email = uniqueEmail("oauth-unverified");
    const password = "correct horse battery";
    await call(base, "mutation", "auth.register", { input: { email, password } });
    const response = await fetch(`${base}/api/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", username: email, password }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("lets a password reset in: it proves the mailbox", async () => {
    const email = uniqueEmail("reset-verifies");
    await call(base, "mutation", "auth.register", { input: { email, password: "first password" } });
    await call(base, "mutation", "auth.requestPasswordReset", { input: { email } });
    const mail = await smtp.waitFor(isReset(email));
    await call(base, "mutation", "auth.resetPassword", {
      input: { token: tokenIn(mail), password: "second password" },
    });
    expect((await login(base, email, "second password")).accessToken).toBeTruthy();
  });
});

describe("without SMTP_URL in development", () => {
  it("prints the mail with its link to the log, clearly marked, and answers as usual", async () => {
    const logs = new LogCapture();
    const server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: { NODE_ENV: "development", LOG_LEVEL: "info" },
      logDestination: logs,
    });
    try {
      const user = await registerAndLogin(server.url);
      const answer = await call(server.url, "mutation", "auth.requestPasswordReset", {
        input: { email: user.email },
      });
      expect(answer.status).toBe(200);
      await mailsSettled(server);
      const printed = logs.lines.filter(
        (line) =>
          typeof line.msg === "string" &&
          line.msg.startsWith("DEVELOPMENT MAIL, NOT SENT") &&
          (line.devMail as { to?: string } | undefined)?.to === user.email,
      );
      expect(printed.map((line) => (line.devMail as { subject: string }).subject).sort()).toEqual([
        "Confirm your email for Authkit",
        "Reset your Authkit password",
      ]);
      expect(String(printed[0]?.text)).toMatch(
        /http:\/\/app\.test\/(reset-password|verify-email)\?token=/,
      );
    } finally {
      await server.close();
    }
  });
});

describe("without SMTP_URL in production", () => {
  it("warns once at start-up, sends and prints nothing, and answers exactly as usual", async () => {
    const logs = new LogCapture();
    const server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: { NODE_ENV: "production", LOG_LEVEL: "info" },
      logDestination: logs,
    });
    try {
      expect(server.app.mailer.mode).toBe("drop");
      const warnings = logs.lines.filter(
        (line) => line.level === 40 && String(line.msg).includes("SMTP_URL"),
      );
      expect(warnings).toHaveLength(1);
      const user = await registerAndLogin(server.url);
      const known = await call(server.url, "mutation", "auth.requestPasswordReset", {
        input: { email: user.email },
      });
      const unknown = await call(server.url, "mutation", "auth.requestPasswordReset", {
        input: { email: uniqueEmail("nobody") },
      });
      expect(known.status).toBe(200);
      expect(unknown.text).toBe(known.text);
      await mailsSettled(server);
      expect(logs.text).not.toMatch(/DEVELOPMENT MAIL|token=/);
    } finally {
      await server.close();
    }
  });
});

describe("a mail relay that is down", () => {
  it("never fails the request, and logs mail.failed after the retries", async () => {
    const down = await startSmtpReceiver();
    await down.close();
    const logs = new LogCapture();
    const server = await startTestServer({
      database: await quickDatabase(),
      store: "database",
      env: { SMTP_URL: down.url, LOG_LEVEL: "info" },
      logDestination: logs,
    });
    try {
      const user = await registerAndLogin(server.url);
      const answer = await call(server.url, "mutation", "auth.requestPasswordReset", {
        input: { email: user.email },
      });
      expect(answer.status).toBe(200);
      // Closing waits out the retries (given up at once on close) before the app stops.
      await server.app.auth.settled();
      await server.app.mailer.close();
      const failed = logs.lines.filter((line) => line.event === "mail.failed");
      expect(failed.map((line) => line.mail).sort()).toEqual([
        "email_verification",
        "password_reset",
      ]);
      expect(failed.every((line) => line.level === 40 && line.reason === "ESOCKET")).toBe(true);
    } finally {
      await server.close();
    }
  });
});
