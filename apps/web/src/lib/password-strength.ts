/**
 * The strength meter's judge, loaded only when someone types a new password (the dictionary is
 * the bulk of it): the very module the server refuses passwords with, so the meter never calls
 * "fair" what the server will refuse. Wording from zxcvbn's own English translations.
 */
import { passwordStrength, type PasswordScore } from "@authkit/password-strength";
import { translations } from "@zxcvbn-ts/language-en";

export interface StrengthReport {
  score: PasswordScore;
  /** False: the server refuses this password (PASSWORD_TOO_WEAK). */
  acceptable: boolean;
  /** zxcvbn's warning in words ("This is a commonly used password."), or null. */
  warning: string | null;
}

const WARNINGS: Readonly<Record<string, string>> = translations.warnings;

export function ratePassword(password: string, userInputs: string[]): StrengthReport {
  const { score, acceptable, warning } = passwordStrength(password, userInputs);
  return { score, acceptable, warning: warning ? (WARNINGS[warning] ?? null) : null };
}
