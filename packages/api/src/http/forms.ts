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
 *
 * Guarded like the JSON endpoints: the same same-origin check, the same input schemas and the
 * same core calls (so the same rate limits). A failure redirect carries only a stable code
 * (and `next`): never the password, nor the email, which would land in history and logs.
 */
import {
  assertSameOrigin,
  isAuthError,
  readDeviceCookie,
  type Auth,
  type RequestMeta,
} from "@authkit/auth";

import {
  loginInput,
  registerInput,
  requestPasswordResetInput,
  resetPasswordInput,
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

export interface FormDeps {
  auth: {
    sessions: Pick<Auth["sessions"], "login">;
    accounts: Pick<Auth["accounts"], "register">;
    recovery: Pick<Auth["recovery"], "request" | "reset">;
    verification: Pick<Auth["verification"], "verify">;
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
  /** The handler for a request path (no query string), or undefined if the path is not ours. */
  route(pathname: string): FormHandler | undefined;
}

export function createFormHandlers(deps: FormDeps): FormHandlers {
  const { sessions, accounts, recovery, verification } = deps.auth;
  const { settings } = deps;

  /**
   * Runs one submission: refusals a browser should never see (a foreign page posting here,
   * a wrong method) answer plainly; everything else redirects back to the page with a code.
   */
  const submit =
    (
      page: "/login" | "/register" | "/forgot-password" | "/reset-password" | "/verify-email",
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
    const { deviceToken, ...pair } = await sessions.login(
      { ...input.data, deviceToken: readDeviceCookie(headers, email, settings.secureCookies) },
      meta,
    );
    return seeOther(next, sessionCookies(settings, pair, { email, token: deviceToken }));
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

  const routes = new Map<string, FormHandler>([
    [FORM_LOGIN_PATH, login],
    [FORM_REGISTER_PATH, register],
    [FORM_FORGOT_PASSWORD_PATH, forgotPassword],
    [FORM_RESET_PASSWORD_PATH, resetPassword],
    [FORM_VERIFY_EMAIL_PATH, verifyEmail],
  ]);
  return {
    login,
    register,
    forgotPassword,
    resetPassword,
    verifyEmail,
    route: (pathname) => routes.get(pathname),
  };
}
