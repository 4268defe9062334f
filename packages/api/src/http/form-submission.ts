/** The plumbing of an HTML form post: reading the body, and answering with a redirect or plain text. */
import type { AuthError } from "@authkit/auth";

import { API_SECURITY_HEADERS } from "./headers";
import { readBody } from "./oauth/form";

/** Four short fields; anything larger is not our form. */
export const FORM_MAX_BODY_BYTES = 16 * 1024;

/**
 * What a failed form submission reports in `?error=`. The pages word them; see
 * apps/web/src/lib/form-errors.ts.
 */
export type FormErrorCode =
  | "invalid_credentials"
  | "invalid_email"
  | "invalid_password"
  | "invalid_name"
  | "password_mismatch"
  | "email_taken"
  | "email_not_verified"
  | "invalid_token"
  | "rate_limited"
  | "unavailable"
  | "bad_request"
  | "server_error";

const BASE_HEADERS = { ...API_SECURITY_HEADERS, "cache-control": "no-store" } as const;

export function seeOther(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ ...BASE_HEADERS, location });
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

export function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { ...BASE_HEADERS, "content-type": "text/plain; charset=utf-8", ...extra },
  });
}

/** A page path with its query: only the parameters that are set, `next` only when it goes somewhere. */
export function pagePath(page: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && !(name === "next" && value === "/")) query.set(name, value);
  }
  const search = query.toString();
  return search ? `${page}?${search}` : page;
}

export class FormFailure extends Error {
  constructor(
    readonly code: FormErrorCode,
    readonly retryAfterSeconds?: number,
  ) {
    super(code);
    this.name = "FormFailure";
  }
}

/** The body of a form post: URL-encoded UTF-8 (what `<form method="post">` sends), bounded. */
export async function readFormFields(request: Request): Promise<URLSearchParams> {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/x-www-form-urlencoded") throw new FormFailure("bad_request");
  if (Number(request.headers.get("content-length") ?? "0") > FORM_MAX_BODY_BYTES) {
    throw new FormFailure("bad_request");
  }
  const bytes = await readBody(request, FORM_MAX_BODY_BYTES);
  if (!bytes) throw new FormFailure("bad_request");
  try {
    return new URLSearchParams(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new FormFailure("bad_request");
  }
}

export const field = (form: URLSearchParams, name: string) => form.get(name) ?? "";

/** The schema's first complaint, as the field it is about. */
export function invalidField(path: readonly PropertyKey[] | undefined): FormErrorCode {
  switch (path?.[0]) {
    case "email":
      return "invalid_email";
    case "password":
      return "invalid_password";
    case "name":
      return "invalid_name";
    default:
      return "bad_request";
  }
}

export function fromAuthError(error: AuthError): FormFailure | undefined {
  switch (error.code) {
    case "INVALID_CREDENTIALS":
      return new FormFailure("invalid_credentials");
    case "EMAIL_TAKEN":
      return new FormFailure("email_taken");
    case "EMAIL_NOT_VERIFIED":
      return new FormFailure("email_not_verified");
    case "INVALID_TOKEN":
      return new FormFailure("invalid_token");
    case "RATE_LIMITED":
      return new FormFailure("rate_limited", Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1)));
    case "UNAVAILABLE":
    case "OVERLOADED":
      return new FormFailure("unavailable");
    default:
      return undefined;
  }
}
