/**
 * @authkit/password-strength: how guessable a new password is, judged the same way by the
 * server (which refuses what scores too low) and the forms (whose meter loads it lazily).
 * Browser-safe: it imports no other package and nothing from Node.
 */
export {
  MIN_PASSWORD_SCORE,
  passwordStrength,
  type PasswordScore,
  type PasswordStrength,
} from "./password-strength";
