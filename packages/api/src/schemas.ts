import { z } from "zod";

import { authenticationResponse } from "./passkey-schemas";

export const email = z
  .string()
  .trim()
  .max(254, "Email must be at most 254 characters")
  .pipe(z.email("Enter a valid email address"));

/** docs/api.md: 8 to 256 characters. */
export const newPassword = z
  .string()
  .min(8, "Password must be at least 8 characters")
  .max(256, "Password must be at most 256 characters");

/** Any length can be tried at login; only the upper bound protects the hasher. */
export const anyPassword = z
  .string()
  .min(1, "Enter your password")
  .max(256, "Password must be at most 256 characters");

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const registerInput = z.object({
  email,
  password: newPassword,
  name: z
    .string()
    .trim()
    .max(100, "Name must be at most 100 characters")
    // PostgreSQL text cannot hold NUL (it would be a 503, not a 400), control characters forge
    // lines in logs and UIs, and an unpaired surrogate would be silently replaced on storage.
    .refine(
      (text) => !CONTROL.test(text) && !LONE_SURROGATE.test(text),
      "Name contains invalid characters",
    )
    .optional(),
});

export const loginInput = z.object({ email, password: anyPassword });

export const changePasswordInput = z.object({ currentPassword: anyPassword, newPassword });

/** A token from a mailed link: base64url, bounded (the core refuses anything it did not issue). */
export const accountToken = z
  .string()
  .min(1, "This link is invalid or has expired")
  .max(128, "This link is invalid or has expired");

export const requestPasswordResetInput = z.object({ email });

export const resetPasswordInput = z.object({ token: accountToken, password: newPassword });

export const verifyEmailInput = z.object({ token: accountToken });

export const userListInput = z
  .object({
    page: z.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.number().int().min(1).max(100).default(20),
    email: z
      .string()
      .trim()
      .max(254)
      // NUL cannot be sent to PostgreSQL (a 503, not a 400); no email holds control characters.
      .refine((text) => !CONTROL.test(text) && !LONE_SURROGATE.test(text), "Invalid search")
      .optional(),
  })
  .optional();

// Second factors (docs/mfa.md) ----------------------------------------------------------------

/** What an authenticator app shows: six digits (spaces people type are dropped). */
export const totpCode = z
  .string()
  .max(32, "Enter the 6-digit code")
  .transform((text) => text.replace(/\s/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, "Enter the 6-digit code"));

/** A recovery code as shown (`xxxx-xxxx-xxxx-xxxx`); case, spaces and dashes do not matter. */
export const recoveryCode = z
  .string()
  .trim()
  .min(1, "Enter a recovery code")
  .max(64, "Enter a recovery code");

/** A sign-in's second-step challenge (base64url of 32 bytes). */
export const mfaChallenge = z.string().min(1).max(64);

export const verifyMfaInput = z.union([
  z.strictObject({ challenge: mfaChallenge, code: totpCode }),
  z.strictObject({ challenge: mfaChallenge, recoveryCode }),
]);

export const reauthenticateInput = z.union([
  z.strictObject({ password: anyPassword }),
  z.strictObject({ code: totpCode }),
  // An answer to `passkey.reauthenticationOptions`' challenge.
  z.strictObject({ passkey: authenticationResponse }),
]);

export const factorName = z
  .string()
  .trim()
  .min(1)
  .max(64, "Name must be at most 64 characters")
  .refine((text) => !CONTROL.test(text) && !LONE_SURROGATE.test(text), "Invalid name");
