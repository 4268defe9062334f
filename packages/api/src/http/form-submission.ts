/** The plumbing of an HTML form post: reading the body, and answering with a redirect or plain text. */
import {
  mapAuthErrors,
  type AuthError,
  type AuthErrorCode,
  type FormErrorCode,
} from "@authkit/auth";

import { API_SECURITY_HEADERS } from "./headers";
import { readBody } from "./oauth/form";

/** Four short fields; anything larger is not our form. */
export const FORM_MAX_BODY_BYTES = 16 * 1024;

/** What a failed form submission reports in `?error=` (the error table's words). */
export type { FormErrorCode } from "@authkit/auth";

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

const FIELD_CODES: Readonly<Record<string, FormErrorCode>> = {
  email: "invalid_email",
  password: "invalid_password",
  name: "invalid_name",
};

/** The schema's first complaint, as the field it is about (`bad_request` for any other). */
export function invalidField(path: readonly PropertyKey[] | undefined): FormErrorCode {
  const at = path?.[0];
  return (
    (typeof at === "string" && Object.hasOwn(FIELD_CODES, at) && FIELD_CODES[at]) || "bad_request"
  );
}

/** Each AuthError code's form report, from the error table (@authkit/auth, error-table.ts). */
export const FORM_REPORTS = mapAuthErrors((spec) => spec.form) satisfies Record<
  AuthErrorCode,
  FormErrorCode | null
>;

/**
 * The form's report of an AuthError; undefined for a code no form can meet (the caller reports
 * `server_error` and logs it). A wait comes with its length.
 */
export function fromAuthError(error: AuthError): FormFailure | undefined {
  const code = FORM_REPORTS[error.code];
  if (code === null) return undefined;
  const retry =
    code === "rate_limited" ? Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1)) : undefined;
  return new FormFailure(code, retry);
}
