import { describe, expect, it } from "vitest";

import { parseTabMessage } from "../src/channel";
import { isUsable, refreshDelayMs } from "../src/schedule";

describe("refreshDelayMs", () => {
  it("refreshes a quarter of the lifetime ahead, at most a minute ahead", () => {
    expect(refreshDelayMs(15 * 60_000)).toBe(14 * 60_000);
    expect(refreshDelayMs(3_000)).toBe(2_250);
    expect(refreshDelayMs(30_000)).toBe(22_500);
    expect(refreshDelayMs(0)).toBe(0);
    expect(refreshDelayMs(-5)).toBe(0);
  });

  it("treats a token with under a second left as spent", () => {
    expect(isUsable(10_000, 8_000)).toBe(true);
    expect(isUsable(10_000, 9_500)).toBe(false);
  });
});

describe("parseTabMessage", () => {
  const user = { id: "u1", email: "a@b.c", name: null, role: "user" };

  it("accepts the three messages", () => {
    expect(parseTabMessage({ type: "hello" })).toEqual({ type: "hello" });
    expect(
      parseTabMessage({ type: "session", accessToken: "t", remainingMs: 5, user }),
    ).toMatchObject({ type: "session" });
    expect(parseTabMessage({ type: "signedOut", reason: "logout" })).toEqual({
      type: "signedOut",
      reason: "logout",
    });
  });

  it("drops anything malformed", () => {
    expect(parseTabMessage(null)).toBeNull();
    expect(parseTabMessage("hello")).toBeNull();
    expect(parseTabMessage({ type: "session", accessToken: 1, remainingMs: 5, user })).toBeNull();
    expect(
      parseTabMessage({
        type: "session",
        accessToken: "t",
        remainingMs: 5,
        user: { ...user, role: "root" },
      }),
    ).toBeNull();
    expect(parseTabMessage({ type: "signedOut", reason: "whatever" })).toBeNull();
  });

  it("carries the cause of a revoked session, and ignores an unknown one", () => {
    expect(parseTabMessage({ type: "signedOut", reason: "ended", cause: "logout_all" })).toEqual({
      type: "signedOut",
      reason: "ended",
      cause: "logout_all",
    });
    expect(parseTabMessage({ type: "signedOut", reason: "ended", cause: "<script>" })).toEqual({
      type: "signedOut",
      reason: "ended",
    });
  });
});
