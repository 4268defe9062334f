import { describe, expect, it } from "vitest";

import { AuthError, isAuthError } from "../src";

/** An AuthError from another copy of this module (another bundle of the same process). */
function foreignAuthError(code: string): Error {
  class AuthError extends Error {
    constructor(readonly code: string) {
      super("foreign");
      this.name = "AuthError";
    }
  }
  return new AuthError(code);
}

describe("isAuthError", () => {
  it("recognises its own errors, by code when asked", () => {
    expect(isAuthError(new AuthError("RATE_LIMITED"))).toBe(true);
    expect(isAuthError(new AuthError("RATE_LIMITED"), "RATE_LIMITED")).toBe(true);
    expect(isAuthError(new AuthError("RATE_LIMITED"), "FORBIDDEN")).toBe(false);
  });

  it("recognises an AuthError from another copy of the module", () => {
    expect(isAuthError(foreignAuthError("INVALID_CREDENTIALS"), "INVALID_CREDENTIALS")).toBe(true);
  });

  it("does not take look-alikes for one", () => {
    expect(isAuthError(foreignAuthError("NOT_A_CODE"))).toBe(false);
    expect(isAuthError(Object.assign(new Error("x"), { code: "FORBIDDEN" }))).toBe(false);
    expect(isAuthError({ name: "AuthError", code: "FORBIDDEN" })).toBe(false);
    expect(isAuthError(undefined)).toBe(false);
  });
});
