/**
 * The passkey procedures' inputs and outputs. The browser's answers are checked for shape and
 * size here; everything cryptographic is the core's (simplewebauthn).
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@authkit/auth";
import { z } from "zod";

/** base64url fields of a WebAuthn answer: bounded, so nothing large reaches the verifier. */
const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, "Expected base64url");

const credentialBase = {
  id: b64url(1366),
  rawId: b64url(1366),
  type: z.literal("public-key"),
  clientExtensionResults: z.looseObject({}).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
};

const transports = z.array(z.string().max(32)).max(10).optional();

export const registrationResponse = z.object({
  ...credentialBase,
  response: z.looseObject({
    clientDataJSON: b64url(4096),
    attestationObject: b64url(16_384),
    transports,
  }),
}) as unknown as z.ZodType<RegistrationResponseJSON>;

export const authenticationResponse = z.object({
  ...credentialBase,
  response: z.looseObject({
    clientDataJSON: b64url(4096),
    authenticatorData: b64url(4096),
    signature: b64url(1024),
    userHandle: b64url(128).optional(),
  }),
}) as unknown as z.ZodType<AuthenticationResponseJSON>;

export const passkeyName = z
  .string()
  .trim()
  .min(1, "Give the passkey a name")
  .max(64, "A passkey name has at most 64 characters");

export const passkeyView = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  synced: z.boolean(),
  backedUp: z.boolean(),
  transports: z.array(z.string()),
});

const descriptor = z.looseObject({ id: z.string(), type: z.literal("public-key") });

/** `PublicKeyCredentialCreationOptionsJSON`: what `startRegistration` takes. */
export const creationOptions = z.looseObject({
  challenge: z.string(),
  rp: z.looseObject({ name: z.string(), id: z.string().optional() }),
  user: z.looseObject({ id: z.string(), name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.looseObject({ alg: z.number(), type: z.literal("public-key") })),
  excludeCredentials: z.array(descriptor).optional(),
}) as unknown as z.ZodType<PublicKeyCredentialCreationOptionsJSON>;

/** `PublicKeyCredentialRequestOptionsJSON`: what `startAuthentication` takes. */
export const requestOptions = z.looseObject({
  challenge: z.string(),
  rpId: z.string().optional(),
  allowCredentials: z.array(descriptor).optional(),
  userVerification: z.enum(["required", "preferred", "discouraged"]).optional(),
}) as unknown as z.ZodType<PublicKeyCredentialRequestOptionsJSON>;

/** A login challenge from `auth.login`'s answer. */
export const loginChallenge = z.string().min(1).max(64);

/** What every way of signing in answers over tRPC: tokens (the refresh token is a cookie). */
export const signedIn = z.object({
  mfaRequired: z.literal(false),
  accessToken: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number(),
  user: z.object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(["user", "admin"]),
  }),
});
