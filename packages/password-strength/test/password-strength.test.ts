/**
 * The package judges passwords for both the server and the forms, so its own rules are
 * tested here: the score threshold, the account's own words, and the 64-character window.
 */
import { describe, expect, it } from "vitest";

import { MIN_PASSWORD_SCORE, passwordStrength } from "../src/index";

describe("passwordStrength", () => {
  it.each(["password", "qwerty123", "P@ssw0rd!", "letmein123", "11111111"])(
    "scores %j below the minimum and says why",
    (password) => {
      const strength = passwordStrength(password);
      expect(strength.score).toBeLessThan(MIN_PASSWORD_SCORE);
      expect(strength.acceptable).toBe(false);
      expect(strength.warning).not.toBeNull();
    },
  );

  it.each(["correct horse battery", "Tr0ub4dor&3", "a long unguessable passphrase 42"])(
    "accepts %j",
    (password) => {
      expect(passwordStrength(password).acceptable).toBe(true);
    },
  );

  it("counts the account's address, its local part and its words as guessed", () => {
    const inputs = ["ada.lovelace@example.com"];
    for (const password of ["adalovelace", "lovelace1815", "ada.lovelace@example.com"]) {
      expect(passwordStrength(password, inputs).acceptable).toBe(false);
    }
    // The same password for an account it says nothing about is fine.
    expect(passwordStrength("lovelace1815", ["someone@example.com"]).acceptable).toBe(true);
  });

  it("ignores blank inputs", () => {
    expect(passwordStrength("correct horse battery", ["", "   "])).toEqual(
      passwordStrength("correct horse battery"),
    );
  });

  it("judges only the first 64 characters: weak ones stay weak whatever follows", () => {
    const weakPrefix = "a".repeat(64);
    expect(passwordStrength(weakPrefix + "Xk9#mQ2$vL7!pR4@").acceptable).toBe(false);
    expect(passwordStrength(weakPrefix + "Xk9#mQ2$vL7!pR4@")).toEqual(passwordStrength(weakPrefix));
  });
});
