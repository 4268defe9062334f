/**
 * The request and response bodies of the HTTP routes that are not tRPC procedures, as zod
 * schemas: the route table (./routes) names them, the handlers parse with them where they parse
 * at all, and the OpenAPI document is generated from them.
 */
import { z } from "zod";

import { anyPassword, email } from "../schemas";

/** RFC 6749 §4.3.2: the resource owner password credentials grant. */
export const passwordGrantInput = z.object({
  grant_type: z.literal("password"),
  /** The account's email: the login schema's, so a username no account can have is a 400. */
  username: email,
  password: anyPassword,
  /** A public client may name itself; there are no registered clients to authenticate. */
  client_id: z.string().max(200).optional(),
  scope: z.string().max(200).optional(),
});

/** RFC 6749 §6: trading a refresh token for a new pair (the old one is rotated). */
export const refreshTokenGrantInput = z.object({
  grant_type: z.literal("refresh_token"),
  refresh_token: z.string().min(1).max(512),
  client_id: z.string().max(200).optional(),
  scope: z.string().max(200).optional(),
});

export const tokenInput = z.discriminatedUnion("grant_type", [
  passwordGrantInput,
  refreshTokenGrantInput,
]);

/** RFC 6749 §5.1. */
export const tokenOutput = z.object({
  access_token: z.string(),
  token_type: z.literal("bearer"),
  expires_in: z.number().int().positive(),
  refresh_token: z.string(),
});

/** 403 from the password grant for an account with a second factor (docs/mfa.md). */
export const mfaRequiredOutput = z.object({
  error: z.literal("mfa_required"),
  error_description: z.string(),
  mfa_token: z.string(),
  expires_in: z.number().int().positive(),
  methods: z.array(z.enum(["totp", "passkey", "recovery_code"])),
});

/** RFC 6749 §5.2 error codes, plus the two transport conditions every client must handle. */
export const OAUTH_ERROR_VALUES = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unsupported_grant_type",
  "slow_down",
  "temporarily_unavailable",
  "server_error",
] as const;

export type OAuthErrorValue = (typeof OAUTH_ERROR_VALUES)[number];

/** RFC 6749 §5.2 error body. */
export const oauthErrorOutput = z.object({
  error: z.enum(OAUTH_ERROR_VALUES),
  error_description: z.string(),
});

/** RFC 7009 §2.1. `token_type_hint` is accepted and not needed: the token's shape decides. */
export const revokeInput = z.object({
  token: z.string().min(1).max(4096),
  token_type_hint: z.enum(["access_token", "refresh_token"]).optional(),
  client_id: z.string().max(200).optional(),
});

/** RFC 7517 key set; empty with HS256 (a shared secret is never published). */
export const jwksOutput = z.object({
  keys: z.array(
    z.looseObject({
      kty: z.string(),
      kid: z.string(),
      alg: z.string(),
      use: z.literal("sig"),
    }),
  ),
});

export const healthOutput = z.object({ ok: z.literal(true) });

export const readyOutput = z.object({
  ready: z.boolean(),
  /** Each failing dependency with a fixed word: `unreachable`, `timeout`, `migrations_pending`… */
  failing: z.record(z.string(), z.string()).optional(),
});

/** The forms' fields (the tRPC inputs' schemas apply once they are read: ../schemas). */
export const formLoginInput = z.object({
  email: z.string(),
  password: z.string(),
  next: z.string().optional(),
});
export const formRegisterInput = z.object({
  name: z.string().optional(),
  email: z.string(),
  password: z.string(),
  confirmPassword: z.string().optional(),
  next: z.string().optional(),
});
export const formForgotPasswordInput = z.object({ email: z.string() });
export const formResetPasswordInput = z.object({
  token: z.string(),
  password: z.string(),
  confirmPassword: z.string().optional(),
});
export const formVerifyEmailInput = z.object({ token: z.string() });
/** The second step's form: an authenticator's `code`, else a `recoveryCode` (cookie: the challenge). */
export const formSecondFactorInput = z.object({
  code: z.string().optional(),
  recoveryCode: z.string().optional(),
  next: z.string().optional(),
});

/** An OpenAPI 3.1 document (its full grammar is the specification's, not repeated here). */
export const openApiDocumentOutput = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.looseObject({})),
});
