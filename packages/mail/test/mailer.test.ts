import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createMailer, describeLifetime, renderAccountMail, type OutgoingMail } from "../src";
import { linkIn, startSmtpReceiver, tokenIn, type SmtpReceiver } from "../src/testing";

const settings = { appUrl: "http://app.test", productName: "Authkit" };

describe("renderAccountMail", () => {
  it("writes the product, the link, its lifetime and the 'not you' line in text and HTML", () => {
    const mail = renderAccountMail(
      { kind: "password_reset", to: "a@example.com", token: "tok_123-x", ttlSeconds: 1800 },
      settings,
    );
    expect(mail.subject).toBe("Reset your Authkit password");
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain("http://app.test/reset-password?token=tok_123-x");
      expect(body).toContain("30 minutes");
      expect(body).toMatch(/If this was not you, ignore this mail/);
      expect(body).toContain("Authkit");
    }
  });

  it("links verification mails to /verify-email", () => {
    const mail = renderAccountMail(
      { kind: "email_verification", to: "a@example.com", token: "abc", ttlSeconds: 86400 },
      { ...settings, appUrl: "https://auth.example.com/" },
    );
    expect(mail.text).toContain("https://auth.example.com/verify-email?token=abc");
    expect(mail.text).toContain("24 hours");
  });

  it("escapes the HTML", () => {
    const mail = renderAccountMail(
      { kind: "password_reset", to: "a@example.com", token: "t", ttlSeconds: 60 },
      { ...settings, productName: "<b>Evil & Co</b>" },
    );
    expect(mail.html).not.toContain("<b>Evil");
    expect(mail.html).toContain("&lt;b&gt;Evil &amp; Co&lt;/b&gt;");
  });

  it.each([
    [1800, "30 minutes"],
    [86400, "24 hours"],
    [3600, "1 hour"],
    [7 * 86400, "7 days"],
    [90, "90 seconds"],
  ])("describes %i seconds as %s", (seconds, text) => expect(describeLifetime(seconds)).toBe(text));
});

describe("createMailer over SMTP", () => {
  let receiver: SmtpReceiver;
  beforeAll(async () => {
    receiver = await startSmtpReceiver();
  });
  afterAll(() => receiver.close());

  it("delivers with AUTH over plain SMTP to a local relay, and the link survives the trip", async () => {
    const mailer = createMailer({ smtpUrl: receiver.url, from: "Authkit <no-reply@app.test>" });
    expect(mailer.mode).toBe("smtp");
    const token = "A".repeat(43);
    mailer.send(
      renderAccountMail(
        { kind: "password_reset", to: "reader@example.com", token, ttlSeconds: 1800 },
        settings,
      ),
    );
    const mail = await receiver.waitFor((m) => m.to.includes("reader@example.com"));
    expect(mail.from).toBe("no-reply@app.test");
    expect(mail.authUser).toBe("mailer");
    expect(tokenIn(mail)).toBe(token);
    expect(linkIn(mail).pathname).toBe("/reset-password");
    expect(mail.html).toContain(`token=${token}`);
    await mailer.close();
  });

  it("upgrades with STARTTLS when the server offers it: an untrusted certificate stops the mail", async () => {
    const tls = await startSmtpReceiver({ starttls: true });
    const failures: { code: string }[] = [];
    const mailer = createMailer({
      smtpUrl: tls.url,
      from: "no-reply@app.test",
      retryDelaysMs: [],
      onFailure: (failure) => failures.push(failure),
    });
    mailer.send({ kind: "k", to: "tls@example.com", subject: "s", text: "t", html: "h" });
    await mailer.idle();
    // Sent in clear text after all, it would have arrived: the upgrade was attempted and refused.
    expect(failures).toHaveLength(1);
    expect(tls.mails).toEqual([]);
    await mailer.close();
    await tls.close();
  });

  it("retries a bounded number of times, then reports the failure once, without throwing", async () => {
    const down = await startSmtpReceiver();
    await down.close();
    const failures: unknown[] = [];
    const mailer = createMailer({
      smtpUrl: down.url,
      from: "no-reply@app.test",
      retryDelaysMs: [0, 0],
      onFailure: (failure) => failures.push(failure),
    });
    mailer.send({
      kind: "password_reset",
      to: "x@example.com",
      subject: "s",
      text: "t",
      html: "h",
    });
    await mailer.idle();
    expect(failures).toEqual([{ kind: "password_reset", attempts: 3, code: "ESOCKET" }]);
    await mailer.close();
  });

  it("sends on a later attempt when the first ones fail", async () => {
    let calls = 0;
    const sent: string[] = [];
    const failures: unknown[] = [];
    const mailer = createMailer({
      from: "no-reply@app.test",
      retryDelaysMs: [0, 0],
      onFailure: (failure) => failures.push(failure),
      // A relay that refuses twice, then accepts (a stand-in transport: the SMTP path is above).
      transport: {
        sendMail: (message) => {
          if (++calls < 3)
            return Promise.reject(Object.assign(new Error("busy"), { code: "EENVELOPE" }));
          sent.push(message.to);
          return Promise.resolve();
        },
        close: () => undefined,
      },
    });
    mailer.send({ kind: "k", to: "y@example.com", subject: "s", text: "t", html: "h" });
    await mailer.idle();
    expect(sent).toEqual(["y@example.com"]);
    expect(failures).toEqual([]);
  });
});

describe("createMailer without SMTP_URL", () => {
  it("prints the mail when given a printer (development)", async () => {
    const printed: OutgoingMail[] = [];
    const mailer = createMailer({ from: "x@app.test", print: (mail) => printed.push(mail) });
    expect(mailer.mode).toBe("print");
    mailer.send({ kind: "k", to: "z@example.com", subject: "s", text: "t", html: "h" });
    await mailer.idle();
    expect(printed.map((m) => m.to)).toEqual(["z@example.com"]);
  });

  it("drops it otherwise (production without SMTP_URL)", async () => {
    const mailer = createMailer({ from: "x@app.test" });
    expect(mailer.mode).toBe("drop");
    mailer.send({ kind: "k", to: "z@example.com", subject: "s", text: "t", html: "h" });
    await mailer.idle();
  });
});
