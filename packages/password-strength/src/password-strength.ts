/**
 * How guessable a new password is: zxcvbn's estimate against the maintained list of the
 * passwords people pick first (@zxcvbn-ts/language-common: common passwords and diceware
 * words, keyboard patterns, dates, repeats, l33t). One module for the server, which refuses
 * what scores too low (password-policy.ts), and the forms, whose meter loads it lazily
 * (`@authkit/auth/password-strength`): both judge a password the same way.
 *
 * Browser-safe: nothing here touches Node.
 */
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";

export type PasswordScore = 0 | 1 | 2 | 3 | 4;

/**
 * The lowest score accepted. zxcvbn's 0 and 1 mean under a million guesses: the most common
 * passwords and their obvious variants ("password", "qwerty123", "P@ssw0rd!", "letmein123").
 */
export const MIN_PASSWORD_SCORE: PasswordScore = 2;

export interface PasswordStrength {
  score: PasswordScore;
  acceptable: boolean;
  /** zxcvbn's warning key (`topTen`, `common`, `similarToCommon`, `userInputs`…), for wording. */
  warning: string | null;
}

let estimator: ZxcvbnFactory | undefined;

/**
 * The score of `password`; `userInputs` are words the account itself gives away (its email,
 * its name), which count as guessed. Only the first 64 characters are examined: a password
 * whose first 64 are weak is weak, and one whose first 64 are strong is strong.
 */
export function passwordStrength(password: string, userInputs: string[] = []): PasswordStrength {
  estimator ??= new ZxcvbnFactory({
    dictionary,
    graphs: adjacencyGraphs,
    // A check's cost grows fast with length and with l33t substitutions (a random 256-character
    // password took ~0.9 s at the defaults, ~30 ms so): the first 64 characters decide, and a
    // password that needs more than 10 substitutions to become a word is no "P@ssw0rd" anyway.
    maxLength: 64,
    l33tMaxSubstitutions: 10,
  });
  const inputs = userInputs.flatMap(personalWords);
  const { score, feedback } = estimator.check(password, inputs);
  return { score, acceptable: score >= MIN_PASSWORD_SCORE, warning: feedback.warning ?? null };
}

/**
 * `ada.lovelace@example.com` gives away the address, "ada.lovelace", "adalovelace", "ada" and
 * "lovelace"; a name "Ada Lovelace" the same way.
 */
function personalWords(input: string): string[] {
  const text = input.trim().toLowerCase();
  if (!text) return [];
  const local = text.split("@")[0] ?? text;
  const words = local.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return [...new Set([text, local, words.join(""), ...words.filter((word) => word.length >= 3)])];
}
