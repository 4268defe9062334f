/**
 * The sign-in and registration forms without JavaScript: a plain `<form method="post">` lands
 * here and the browser is sent on with 303 See Other.
 *
 * - `POST /api/auth/login` (`email`, `password`, `next`): sets the refresh cookie exactly as
 *   `auth.login` does and redirects to the safe `next` (or `/`); on failure back to
 *   `/login?error=<code>`.
 * - `POST /api/auth/register` (`name`, `email`, `password`, `confirmPassword`, `next`): creates
 *   the account and redirects to `/login?registered=1`; on failure to `/register?error=<code>`.
 * - `POST /api/auth/forgot-password` (`email`): asks for a reset mail and redirects to
 *   `/forgot-password?sent=1`, whether or not the email has an account.
 * - `POST /api/auth/reset-password` (`token`, `password`, `confirmPassword`): sets the password
 *   and redirects to `/login?reset=1`; on failure back to `/reset-password?token=…&error=<code>`
 *   (the token was in that URL already: it is the mailed link).
 * - `POST /api/auth/verify-email` (`token`): verifies the email and redirects to
 *   `/verify-email?verified=1`; on failure to `/verify-email?error=<code>`.
 * - `POST /api/auth/second-factor` (`code` or `recoveryCode`, `next`): a sign-in's second step,
 *   with the challenge from the `login_challenge` cookie the login form set. Sets the session's
 *   cookies, drops the challenge's, and redirects to `next`; on failure back to
 *   `/login/second-factor?error=invalid_code|challenge_expired|rate_limited…` (docs/mfa.md).
 *
 * Guarded like the JSON endpoints: the same same-origin check, the same input schemas and the
 * same core calls (so the same rate limits). A failure redirect carries only a stable code
 * (and `next`): never the password, nor the email, which would land in history and logs.
 */
import {
  assertSameOrigin,
  clearLoginChallengeCookie,
  isAuthError,
  readDeviceCookie,
  readLoginChallengeCookie,
  serializeLoginChallengeCookie,
  type Auth,
  type LoginOutcome,
  type RequestMeta,
} from "@authkit/auth";

import {
  loginInput,
  recoveryCode,
  registerInput,
  requestPasswordResetInput,
  resetPasswordInput,
  totpCode,
  verifyEmailInput,
} from "../schemas";
import { sessionCookies } from "../session-cookie";
import type { ApiSettings } from "../trpc";
import { safeNextPath } from "./next-path";
import {
  field,
  FormFailure,
  fromAuthError,
  invalidField,
  pagePath,
  plain,
  readFormFields,
  seeOther,
} from "./form-submission";

export const FORM_LOGIN_PATH = "/api/auth/login";
export const FORM_REGISTER_PATH = "/api/auth/register";
export const FORM_FORGOT_PASSWORD_PATH = "/api/auth/forgot-password";
export const FORM_RESET_PASSWORD_PATH = "/api/auth/reset-password";
export const FORM_VERIFY_EMAIL_PATH = "/api/auth/verify-email";
export const FORM_SECOND_FACTOR_PATH = "/api/auth/second-factor";

export interface FormDeps {
  auth: {
    sessions: Pick<Auth["sessions"], "login">;
    accounts: Pick<Auth["accounts"], "register">;
    recovery: Pick<Auth["recovery"], "request" | "reset">;
    verification: Pick<Auth["verification"], "verify">;
    mfa: Pick<Auth["mfa"], "verify">;
  };
  settings: ApiSettings;
}

export type FormHandler = (
  request: Request,
  meta: RequestMeta,
  /** Failures that are not the caller's fault, for the request's log line. */
  onError?: (error: unknown) => void,
) => Promise<Response>;

export interface FormHandlers {
  login: FormHandler;
  register: FormHandler;
  forgotPassword: FormHandler;
  resetPassword: FormHandler;
  verifyEmail: FormHandler;
  secondFactor: FormHandler;
}

/** Where a form sign-in whose account has a second factor continues (server-rendered, no script). */
export const SECOND_FACTOR_PAGE = "/login/second-factor";

/**
 * The form's responder of the sign-in pipeline: a session is its cookies and a redirect to
 * `next`; a challenge is a cookie holding it (never the URL) and the second-step page.
 */
export function respondToFormLogin(
  settings: ApiSettings,
  outcome: LoginOutcome,
  { email, next }: { email: string; next: string },
): Response {
  const secure = settings.secureCookies;
  if (outcome.status === "mfa_required") {
    const { token, expiresIn } = outcome.challenge;
    const cookie = serializeLoginChallengeCookie(token, { secure, maxAgeSeconds: expiresIn });
    return seeOther(pagePath(SECOND_FACTOR_PAGE, { next }), [cookie]);
  }
  const { deviceToken, ...pair } = outcome.session;
  return seeOther(next, sessionCookies(settings, pair, { email, token: deviceToken }));
}

export function createFormHandlers(deps: FormDeps): FormHandlers {
  const { sessions, accounts, recovery, verification, mfa } = deps.auth;
  const { settings } = deps;

  /**
   * Runs one submission: refusals a browser should never see (a foreign page posting here,
   * a wrong method) answer plainly; everything else redirects back to the page with a code.
   */
  const submit =
    (
      page:
        | "/login"
        | "/register"
        | "/forgot-password"
        | "/reset-password"
        | "/verify-email"
        | typeof SECOND_FACTOR_PAGE,
      work: (
        form: URLSearchParams,
        meta: RequestMeta,
        next: string,
        headers: Headers,
      ) => Promise<Response>,
      /** Fields a failure redirect carries back besides the error (the reset link's token). */
      carry: (form: URLSearchParams) => Record<string, string | undefined> = () => ({}),
    ): FormHandler =>
    async (request, meta, onError) => {
      if (request.method !== "POST") return plain(405, "Method not allowed", { allow: "POST" });
      try {
        // Login CSRF: a foreign page must not sign this browser into the attacker's account.
        assertSameOrigin(request.headers, settings.allowedOrigins);
      } catch {
        return plain(403, "Cross-site requests are not allowed");
      }
      let next = "/";
      let carried: Record<string, string | undefined> = {};
      try {
        const form = await readFormFields(request);
        next = safeNextPath(form.get("next"), new URL(request.url).origin);
        carried = carry(form);
        return await work(form, meta, next, request.headers);
      } catch (error) {
        let failure = error instanceof FormFailure ? error : undefined;
        if (!failure && isAuthError(error)) failure = fromAuthError(error);
        if (!failure || failure.code === "unavailable") onError?.(error);
        const code = failure?.code ?? "server_error";
        const retry = failure?.retryAfterSeconds;
        return seeOther(
          pagePath(page, {
            ...carried,
            error: code,
            retry: retry === undefined ? undefined : String(retry),
            next,
          }),
        );
      }
    };

  const login = submit("/login", async (form, meta, next, headers) => {
    const input = loginInput.safeParse({
      email: field(form, "email"),
      password: field(form, "password"),
    });
    if (!input.success) throw new FormFailure(invalidField(input.error.issues[0]?.path));
    const { email } = input.data;
    const outcome = await sessions.login(
      { ...input.data, deviceToken: readDeviceCookie(headers, email, settings.secureCookies) },
      meta,
    );
    return respondToFormLogin(settings, outcome, { email, next });
  });

  const register = submit("/register", async (form, meta, next) => {
    const name = field(form, "name").trim();
    const input = registerInput.safeParse({
      email: field(form, "email"),
      password: field(form, "password"),
      ...(name ? { name } : {}),
    });
    if (!input.success) throw new FormFailure(invalidField(input.error.issues[0]?.path));
    if (form.has("confirmPassword") && field(form, "confirmPassword") !== input.data.password) {
      throw new FormFailure("password_mismatch");
    }
    await accounts.register(input.data, meta);
    return seeOther(pagePath("/login", { registered: "1", next }));
  });

  const forgotPassword = submit("/forgot-password", async (form, meta) => {
    const input = requestPasswordResetInput.safeParse({ email: field(form, "email") });
    if (!input.success) throw new FormFailure("invalid_email");
    await recovery.request(input.data.email, meta);
    // The same page whether or not the email has an account; the email stays out of the URL.
    return seeOther(pagePath("/forgot-password", { sent: "1" }));
  });

  const resetPassword = submit(
    "/reset-password",
    async (form, meta) => {
      const input = resetPasswordInput.safeParse({
        token: field(form, "token"),
        password: field(form, "password"),
      });
      if (!input.success) {
        const at = input.error.issues[0]?.path[0];
        throw new FormFailure(at === "token" ? "invalid_token" : "invalid_password");
      }
      if (form.has("confirmPassword") && field(form, "confirmPassword") !== input.data.password) {
        throw new FormFailure("password_mismatch");
      }
      await recovery.reset(input.data, meta);
      return seeOther(pagePath("/login", { reset: "1" }));
    },
    // Back to the same link, so the person can try again (a token of ours is 43 characters).
    (form) => ({ token: field(form, "token").slice(0, 128) || undefined }),
  );

  const verifyEmail = submit("/verify-email", async (form, meta) => {
    const input = verifyEmailInput.safeParse({ token: field(form, "token") });
    if (!input.success) throw new FormFailure("invalid_token");
    await verification.verify(input.data.token, meta);
    return seeOther(pagePath("/verify-email", { verified: "1" }));
  });

  const secondFactor = submit(SECOND_FACTOR_PAGE, async (form, meta, next, headers) => {
    const challenge = readLoginChallengeCookie(headers, settings.secureCookies);
    if (!challenge) throw new FormFailure("challenge_expired");
    const session = await mfa.verify({ challenge, ...secondFactorProof(form) }, meta);
    const response = respondToFormLogin(
      settings,
      { status: "signed_in", session },
      { email: session.user.email, next },
    );
    response.headers.append("set-cookie", clearLoginChallengeCookie(settings.secureCookies));
    return response;
  });

  // Their paths are the route table's (./routes).
  return { login, register, forgotPassword, resetPassword, verifyEmail, secondFactor };
}

/** The second step's field: an authenticator's `code`, else a `recoveryCode`. */
function secondFactorProof(form: URLSearchParams): { code: string } | { recoveryCode: string } {
  if (field(form, "code").trim()) {
    const code = totpCode.safeParse(field(form, "code"));
    if (!code.success) throw new FormFailure("invalid_code");
    return { code: code.data };
  }
  const typed = recoveryCode.safeParse(field(form, "recoveryCode"));
  if (!typed.success) throw new FormFailure("invalid_code");
  return { recoveryCode: typed.data };
}
