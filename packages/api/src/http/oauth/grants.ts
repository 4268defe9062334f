/**
 * The OAuth 2.0 endpoints for non-browser clients (docs/api.md, "HTTP surface"):
 *
 * - `POST /api/auth/token`   token endpoint (RFC 6749 §4.3 password, §6 refresh_token);
 * - `POST /api/auth/revoke`  token revocation (RFC 7009), refresh or access token.
 *
 * Thin shells: every rule about tokens (rotation, reuse, revocation) lives in the auth core;
 * these translate HTTP forms and RFC error codes, nothing more.
 */
import { isAuthError, type Auth, type RequestMeta, type TokenPair } from "@authkit/auth";

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

/** The same bounds as the tRPC login input (email ≤ 254, password ≤ 256). */
const MAX_USERNAME_LENGTH = 254;
const MAX_PASSWORD_LENGTH = 256;

/** Compact JWS shape: what an access token looks like; everything else is a refresh token. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export type OAuthHandler = (request: Request, meta: RequestMeta) => Promise<Response>;

export interface GrantDeps {
  auth: {
    sessions: Pick<
      Auth["sessions"],
      "login" | "refresh" | "revokeAccessToken" | "revokeRefreshToken"
    >;
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

export function createGrantHandlers({ auth, onError }: GrantDeps) {
  const { sessions } = auth;

  const fail = (error: unknown, grant: "password" | "refresh_token" | "revoke"): Response => {
    if (error instanceof OAuthError) return errorResponse(error);
    if (isAuthError(error)) {
      const mapped = fromAuthError(error, grant);
      if (mapped.status === 500) onError(error);
      return errorResponse(mapped);
    }
    onError(error);
    return errorResponse(new OAuthError(500, "server_error", "Internal server error"));
  };

  const token: OAuthHandler = async (request, meta) => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    let grant: "password" | "refresh_token" = "password";
    try {
      rejectClientAuthentication(request);
      const params = await readForm(request);
      rejectClientAuthentication(request, params);
      const grantType = required(params, "grant_type");
      if (grantType === "password") {
        const username = required(params, "username");
        const password = required(params, "password");
        if (username.length > MAX_USERNAME_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
          throw invalidRequest("username or password is too long");
        }
        // No device cookie here: a script is an unknown client, limited per account.
        return tokenResponse(await sessions.login({ email: username, password }, meta));
      }
      if (grantType === "refresh_token") {
        grant = "refresh_token";
        return tokenResponse(await sessions.refresh(required(params, "refresh_token"), meta));
      }
      throw new OAuthError(
        400,
        "unsupported_grant_type",
        "Supported grant types: password, refresh_token",
      );
    } catch (error) {
      return fail(error, grant);
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
      return fail(error, "revoke");
    }
  };

  return { token, revoke };
}
