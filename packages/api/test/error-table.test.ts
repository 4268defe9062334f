/**
 * Issue 26, §2: one error table, and every layer's mapping derived from it. Every code maps
 * everywhere (tRPC, its error formatter, OAuth, forms, WebSocket close codes, the subscription
 * preflight) and the mappings agree with the table; at the type level, each layer's map has
 * exactly the table's codes, and a map missing one does not compile.
 */
import { readFileSync } from "node:fs";

import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { describe, expect, expectTypeOf, it } from "vitest";

import {
  AUTH_ERROR_CODE_LIST,
  AUTH_ERRORS,
  AuthError,
  FORM_ERROR_CODES,
  OAUTH_ERROR_VALUES,
  type AuthErrorCode,
  type AuthErrorSpec,
} from "@authkit/auth";
import { TRPC_CODE, toTRPCError } from "@authkit/auth/trpc";

import { appRouter } from "../src";
import { FORM_REPORTS, fromAuthError as formReport } from "../src/http/form-submission";
import { OAUTH_ANSWERS, fromAuthError as oauthAnswer } from "../src/http/oauth/form";
import { CLOSE_POLICY_VIOLATION, CLOSE_TRY_AGAIN_LATER, SOCKET_CLOSE } from "../src/http/websocket";
import { EXPOSED_CODES } from "../src/trpc";

/** RFC 6749 §5.2: `error_description` is printable ASCII without `"` and `\`. */
const DESCRIPTION = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/;

function formatted(error: AuthError) {
  const trpcError = toTRPCError(error);
  const shape = {
    message: trpcError.message,
    code: -32000,
    data: { code: trpcError.code, httpStatus: getHTTPStatusCodeFromError(trpcError), path: "x" },
  };
  const format = appRouter._def._config.errorFormatter as (options: unknown) => {
    data: Record<string, unknown>;
  };
  return format({ shape, error: trpcError, type: "query", path: "x", input: undefined, ctx: {} });
}

describe.each(AUTH_ERROR_CODE_LIST)("error code %s", (code) => {
  const spec: AuthErrorSpec = AUTH_ERRORS[code];
  const error = new AuthError(code, { retryAfterSeconds: 7 });

  it("is its message on the error itself", () => {
    expect(error.message).toBe(spec.message);
  });

  it("becomes the table's tRPC code, whose HTTP status is the table's", () => {
    const trpcError = toTRPCError(error);
    expect(trpcError.code).toBe(spec.trpc);
    expect(getHTTPStatusCodeFromError(trpcError)).toBe(spec.httpStatus);
    expect(trpcError.message).toBe(spec.message);
  });

  it("reaches tRPC clients as data.authCode exactly when the table says so", () => {
    const { data } = formatted(error);
    expect(data.authCode).toBe(spec.exposeCode ? code : undefined);
  });

  it("becomes a well-formed OAuth error", () => {
    const answer = oauthAnswer(error);
    expect(answer.status).toBe(spec.oauth.status);
    expect(answer.error).toBe(spec.oauth.error);
    expect(OAUTH_ERROR_VALUES).toContain(answer.error);
    expect(answer.description).toMatch(DESCRIPTION);
    const waits = answer.status === 429 || answer.status === 503;
    expect(answer.headers["retry-after"]).toBe(waits ? "7" : undefined);
  });

  it("is reported by a form as the table says (null: server_error, logged by the caller)", () => {
    const report = formReport(error);
    expect(report?.code ?? null).toBe(spec.form);
    if (report) expect(FORM_ERROR_CODES).toContain(report.code);
    expect(report?.retryAfterSeconds).toBe(report?.code === "rate_limited" ? 7 : undefined);
  });

  it("closes a WebSocket with 1013 when it can be retried, 1008 otherwise", () => {
    const retryable = spec.httpStatus === 429 || spec.httpStatus === 503;
    expect(SOCKET_CLOSE[code].code).toBe(
      retryable ? CLOSE_TRY_AGAIN_LATER : CLOSE_POLICY_VIOLATION,
    );
    expect(SOCKET_CLOSE[code].reason).toMatch(/^[a-z ]+$/);
  });
});

describe("the layers", () => {
  it("each map every code of the table, and nothing else", () => {
    const codes = [...AUTH_ERROR_CODE_LIST].sort();
    for (const map of [TRPC_CODE, EXPOSED_CODES, OAUTH_ANSWERS, FORM_REPORTS, SOCKET_CLOSE]) {
      expect(Object.keys(map).sort()).toEqual(codes);
    }
  });

  it("have no `default:` branch or switch on a code left to hide a new one", () => {
    const files = [
      "../../auth/src/trpc.ts",
      "../src/trpc.ts",
      "../src/http/oauth/form.ts",
      "../src/http/oauth/grants.ts",
      "../src/http/form-submission.ts",
      "../src/http/forms.ts",
      "../src/http/websocket.ts",
      "../src/http/subscriptions.ts",
    ];
    for (const file of files) {
      const source = readFileSync(new URL(file, import.meta.url), "utf8");
      expect(source, file).not.toMatch(/\bdefault:/);
      expect(source, file).not.toMatch(/switch \([^)]*code\)/);
    }
  });

  it("type-check: every map is keyed by exactly the codes, and a map missing one fails", () => {
    expectTypeOf<keyof typeof TRPC_CODE>().toEqualTypeOf<AuthErrorCode>();
    expectTypeOf<keyof typeof EXPOSED_CODES>().toEqualTypeOf<AuthErrorCode>();
    expectTypeOf<keyof typeof OAUTH_ANSWERS>().toEqualTypeOf<AuthErrorCode>();
    expectTypeOf<keyof typeof FORM_REPORTS>().toEqualTypeOf<AuthErrorCode>();
    expectTypeOf<keyof typeof SOCKET_CLOSE>().toEqualTypeOf<AuthErrorCode>();
    expectTypeOf<(typeof AUTH_ERRORS)[AuthErrorCode]>().toExtend<AuthErrorSpec>();
    const { RATE_LIMITED: _dropped, ...missingOne } = FORM_REPORTS;
    // @ts-expect-error -- a mapping without RATE_LIMITED is not a Record<AuthErrorCode, …>
    const incomplete = missingOne satisfies Record<AuthErrorCode, unknown>;
    // A table entry without one of its fields is refused the same way.
    // @ts-expect-error -- no `form`
    const entry: AuthErrorSpec = { ...AUTH_ERRORS.NOT_FOUND, form: undefined };
    expect([incomplete, entry]).toHaveLength(2);
  });
});
