/**
 * Issue 23, finding 11: `password` registered and signed in. New passwords are now refused
 * when they are among the most common ones (zxcvbn over @zxcvbn-ts/language-common), and, with
 * PASSWORD_BREACH_CHECK=hibp, when HIBP's range API knows them; an unreachable service fails
 * open with a logged warning. The entry points are tested over HTTP in packages/api.
 */
import { createHash } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { rangeApiCheck, type BreachedPasswordCheck } from "../src/breached-passwords";
import { isAuthError } from "../src/errors";
import type { SecurityEvent } from "../src/events";
import { assertPasswordAllowed } from "../src/password-policy";
import { MIN_PASSWORD_SCORE, passwordStrength } from "@authkit/password-strength";
import { startRangeApi, type RangeApi } from "../src/testing";

const refusal = (work: Promise<unknown>) =>
  work.then(
    () => "accepted",
    (error: unknown) => (isAuthError(error) ? error.code : error),
  );

describe("the strength rule", () => {
  const events: SecurityEvent[] = [];
  const deps = { breaches: undefined, events: (e: SecurityEvent) => events.push(e) };

  it.each([
    "password",
    "12345678",
    "password1",
    "qwerty123",
    "iloveyou",
    "P@ssw0rd!",
    "letmein123",
    "football1",
    "11111111",
    "abcdefgh",
    "1qaz2wsx3edc",
    "Password123",
  ])("refuses %j with PASSWORD_TOO_WEAK", async (password) => {
    expect(passwordStrength(password).score).toBeLessThan(MIN_PASSWORD_SCORE);
    expect(await refusal(assertPasswordAllowed(deps, password))).toBe("PASSWORD_TOO_WEAK");
  });

  it("refuses a password made of the account's own email or name", async () => {
    const inputs = ["ada.lovelace@example.com", "Ada Lovelace"];
    for (const password of ["ada.lovelace@example.com", "lovelace1815", "adalovelace!"]) {
      expect(await refusal(assertPasswordAllowed(deps, password, inputs))).toBe(
        "PASSWORD_TOO_WEAK",
      );
    }
    // The same password for an account it says nothing about is fine.
    expect(await refusal(assertPasswordAllowed(deps, "lovelace1815 analytical engine"))).toBe(
      "accepted",
    );
  });

  it.each(["correct horse battery", "a long unguessable passphrase 42", "Tr0ub4dor&3"])(
    "accepts %j",
    async (password) => {
      expect(await refusal(assertPasswordAllowed(deps, password, ["someone@example.com"]))).toBe(
        "accepted",
      );
    },
  );

  it("logs each refusal as password.refused, without the password", () => {
    const refused = events.filter((e) => e.event === "password.refused");
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.reason === "too_weak")).toBe(true);
    expect(JSON.stringify(events)).not.toContain("P@ssw0rd!");
  });
});

describe("the breach check (HIBP's range API, k-anonymity)", () => {
  const BREACHED = "correct horse battery staple";
  let api: RangeApi;
  let check: BreachedPasswordCheck;
  const events: SecurityEvent[] = [];
  const deps = () => ({ breaches: check, events: (e: SecurityEvent) => events.push(e) });
  beforeAll(async () => {
    api = await startRangeApi({ breached: [BREACHED] });
    check = rangeApiCheck({ url: api.url, timeoutMs: 1000 });
  });
  afterAll(() => api.close());

  it("refuses a breached password, sending only the first 5 hex digits of its SHA-1, padded", async () => {
    api.answer = "ranges";
    const before = api.requests.length;
    expect(await refusal(assertPasswordAllowed(deps(), BREACHED))).toBe("PASSWORD_BREACHED");
    const sha1 = createHash("sha1").update(BREACHED).digest("hex").toUpperCase();
    expect(api.requests.slice(before)).toEqual([
      { prefix: sha1.slice(0, 5), headers: expect.objectContaining({ "add-padding": "true" }) },
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({ event: "password.refused", reason: "breached" }),
    );
  });

  it("accepts a password under the same prefix's decoys but not in the corpus", async () => {
    api.answer = "ranges";
    expect(await check("a long unguessable passphrase 42")).toEqual({ breached: false });
    expect(await refusal(assertPasswordAllowed(deps(), "a long unguessable passphrase 42"))).toBe(
      "accepted",
    );
  });

  it("checks strength first: a weak password costs no request", async () => {
    const before = api.requests.length;
    expect(await refusal(assertPasswordAllowed(deps(), "password"))).toBe("PASSWORD_TOO_WEAK");
    expect(api.requests.length).toBe(before);
  });

  it.each([
    ["status-503", "status"],
    ["garbage", "malformed"],
    ["hang", "timeout"],
  ] as const)(
    "fails open when the service answers %s, logging password.breach_check_failed (%s)",
    async (answer, reason) => {
      api.answer = answer;
      events.length = 0;
      expect(await refusal(assertPasswordAllowed(deps(), BREACHED))).toBe("accepted");
      expect(events).toEqual([
        expect.objectContaining({ event: "password.breach_check_failed", reason }),
      ]);
    },
  );

  it("fails open when nothing listens", async () => {
    const gone = await startRangeApi();
    await gone.close();
    const unreachable = rangeApiCheck({ url: gone.url, timeoutMs: 1000 });
    expect(await unreachable(BREACHED)).toEqual({ unavailable: "unreachable" });
  });
});
