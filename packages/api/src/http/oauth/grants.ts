/**
 * The OAuth 2.0 endpoints for non-browser clients (docs/api.md, "HTTP surface"):
 *
 * - `POST /api/auth/token`   token endpoint (RFC 6749 §4.3 password, §6 refresh_token, and the
 *   second step of a sign-in with a factor: `urn:authkit:params:oauth:grant-type:mfa-otp` and
 *   `…:mfa-recovery-code`, docs/mfa.md);
 * - `POST /api/auth/revoke`  token revocation (RFC 7009), refresh or access token.
 *
 * Thin shells: every rule about tokens (rotation, reuse, revocation) lives in the auth core;
 * these translate HTTP forms and RFC error codes, nothing more.
 */
import {
  isAuthError,
  type Auth,
  type LoginOutcome,
  type RequestMeta,
  type TokenPair,
} from "@authkit/auth";

import { loginInput } from "../../schemas";
import {
  errorResponse,
  fromAuthError,
  invalidRequest,
  jsonResponse,
  methodNotAllowed,
  NO_STORE,
  OAuthError,
  readForm,
  rejectClientAuthentication,
  required,
} from "./form";

/** Compact JWS shape: what an access token looks like; everything else is a refresh token. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export type OAuthHandler = (request: Request, meta: RequestMeta) => Promise<Response>;

export interface GrantDeps {
  auth: {
    sessions: Pick<
      Auth["sessions"],
      "login" | "refresh" | "revokeAccessToken" | "revokeRefreshToken"
    >;
    mfa: Pick<Auth["mfa"], "verify">;
  };
  /** Called with unexpected (non-AuthError) failures, which answer 500 server_error. */
  onError: (error: unknown) => void;
}

function tokenResponse(pair: TokenPair): Response {
  return jsonResponse(200, {
    access_token: pair.accessToken,
    token_type: "bearer",
    expires_in: pair.expiresIn,
    refresh_token: pair.refreshToken,
  });
}

export const MFA_OTP_GRANT = "urn:authkit:params:oauth:grant-type:mfa-otp";
export const MFA_RECOVERY_CODE_GRANT = "urn:authkit:params:oauth:grant-type:mfa-recovery-code";
/** The same bounds as `auth.verifyMfa`'s input. */
const MAX_MFA_TOKEN_LENGTH = 64;
const MAX_RECOVERY_CODE_LENGTH = 64;

/**
 * The second step after a 403 `mfa_required`: the `mfa_token` and an authenticator's `otp`, or a
 * `recovery_code`. A token response, like the password grant without a factor. Null for any
 * other grant type.
 */
async function secondStepGrant(
  auth: Pick<GrantDeps["auth"], "mfa">,
  grantType: string,
  params: URLSearchParams,
  meta: RequestMeta,
): Promise<Response | null> {
  if (grantType !== MFA_OTP_GRANT && grantType !== MFA_RECOVERY_CODE_GRANT) return null;
  const challenge = required(params, "mfa_token");
  if (challenge.length > MAX_MFA_TOKEN_LENGTH) throw invalidRequest("mfa_token is too long");
  if (grantType === MFA_OTP_GRANT) {
    const code = required(params, "otp").replace(/\s/g, "");
    if (!/^\d{6}$/.test(code)) throw invalidRequest("otp must be 6 digits");
    return tokenResponse(await auth.mfa.verify({ challenge, code }, meta));
  }
  const recoveryCode = required(params, "recovery_code").trim();
  if (recoveryCode.length > MAX_RECOVERY_CODE_LENGTH)
    throw invalidRequest("recovery_code is too long");
  return tokenResponse(await auth.mfa.verify({ challenge, recoveryCode }, meta));
}

/**
 * The OAuth grant's responder of the sign-in pipeline, as the largest hosted provider documents
 * it: a session is a token response; a challenge is 403 `mfa_required` with the `mfa_token` a
 * second grant trades for tokens (docs/mfa.md).
 */
export function respondToGrantLogin(outcome: LoginOutcome): Response {
  if (outcome.status === "signed_in") return tokenResponse(outcome.session);
  const { token, expiresIn, methods } = outcome.challenge;
  return jsonResponse(403, {
    error: "mfa_required",
    error_description: "Multi-factor authentication required",
    mfa_token: token,
    expires_in: expiresIn,
    methods,
  });
}

/**
 * The password grant's credentials through the login schema (the tRPC `auth.login` input's):
 * a username that is no email (NUL, control characters, over 254 characters…) is the client's
 * mistake, 400 `invalid_request`, and never reaches the database (where NUL was a 503).
 */
export function passwordCredentials(params: URLSearchParams): { email: string; password: string } {
  const input = loginInput.safeParse({
    email: required(params, "username"),
    password: required(params, "password"),
  });
  if (input.success) return input.data;
  throw input.error.issues[0]?.path[0] === "email"
    ? invalidRequest("username must be an email address of at most 254 characters")
    : invalidRequest("password must be 1 to 256 characters");
}

export function createGrantHandlers({ auth, onError }: GrantDeps) {
  const { sessions } = auth;

  const fail = (error: unknown): Response => {
    if (error instanceof OAuthError) return errorResponse(error);
    if (isAuthError(error)) return errorResponse(fromAuthError(error));
    onError(error);
    return errorResponse(new OAuthError(500, "server_error", "Internal server error"));
  };

  const token: OAuthHandler = async (request, meta) => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    try {
      rejectClientAuthentication(request);
      const params = await readForm(request);
      rejectClientAuthentication(request, params);
      const grantType = required(params, "grant_type");
      if (grantType === "password") {
        const credentials = passwordCredentials(params);
        // No device cookie here: a script is an unknown client, limited per account.
        return respondToGrantLogin(await sessions.login(credentials, meta));
      }
      const secondStep = await secondStepGrant(auth, grantType, params, meta);
      if (secondStep) return secondStep;
      if (grantType === "refresh_token") {
        return tokenResponse(await sessions.refresh(required(params, "refresh_token"), meta));
      }
      throw new OAuthError(
        400,
        "unsupported_grant_type",
        `Supported grant types: password, refresh_token, ${MFA_OTP_GRANT}, ${MFA_RECOVERY_CODE_GRANT}`,
      );
    } catch (error) {
      return fail(error);
    }
  };

  const revoke: OAuthHandler = async (request, meta) => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    try {
      rejectClientAuthentication(request);
      const params = await readForm(request);
      rejectClientAuthentication(request, params);
      const value = required(params, "token");
      // `token_type_hint` is only an optimisation (RFC 7009 §2.1): the token's shape decides,
      // which is the same as searching every type. Unknown or invalid tokens answer 200 too.
      if (JWT_SHAPE.test(value)) await sessions.revokeAccessToken(value, meta);
      else await sessions.revokeRefreshToken(value, meta);
      return new Response(null, { status: 200, headers: { ...NO_STORE } });
    } catch (error) {
      return fail(error);
    }
  };

  return { token, revoke };
}
