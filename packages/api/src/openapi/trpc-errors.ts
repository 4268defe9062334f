/**
 * tRPC's error envelope as the document describes it: one schema, and one response per HTTP
 * status, each listing the stable codes (`error.data.authCode`) that can come with it. The
 * lists are derived from the error table (@authkit/auth AUTH_ERRORS), so a new code appears
 * here without an edit.
 */
import { z } from "zod";

import { AUTH_ERROR_CODE_LIST, AUTH_ERRORS, type AuthErrorCode } from "@authkit/auth";

/** The stable codes a tRPC error body can carry, by HTTP status. */
export function authCodesByStatus(): Map<number, AuthErrorCode[]> {
  const byStatus = new Map<number, AuthErrorCode[]>();
  for (const code of AUTH_ERROR_CODE_LIST) {
    const { httpStatus, exposeCode } = AUTH_ERRORS[code];
    if (!exposeCode) continue;
    byStatus.set(httpStatus, [...(byStatus.get(httpStatus) ?? []), code]);
  }
  return byStatus;
}

const TRPC_CODES = [
  "PARSE_ERROR",
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_SUPPORTED",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "UNPROCESSABLE_CONTENT",
  "TOO_MANY_REQUESTS",
  "INTERNAL_SERVER_ERROR",
  "SERVICE_UNAVAILABLE",
  "TIMEOUT",
  "PRECONDITION_FAILED",
  "CLIENT_CLOSED_REQUEST",
  "NOT_IMPLEMENTED",
  "BAD_GATEWAY",
  "GATEWAY_TIMEOUT",
  "PAYMENT_REQUIRED",
] as const;

/** The error body of every tRPC procedure (the error formatter of ../trpc). */
export const trpcErrorEnvelope = z
  .object({
    error: z.object({
      message: z.string(),
      code: z.int().describe("JSON-RPC 2.0 error code (tRPC's)."),
      data: z.object({
        code: z.enum(TRPC_CODES).describe("tRPC's error code."),
        httpStatus: z.int(),
        path: z.string().optional(),
        zodError: z
          .object({
            formErrors: z.array(z.string()),
            fieldErrors: z.record(z.string(), z.array(z.string())),
          })
          .nullable()
          .describe("Which input fields were refused and why (400 only), else null."),
        authCode: z
          .enum(
            AUTH_ERROR_CODE_LIST.filter((code) => AUTH_ERRORS[code].exposeCode) as [
              AuthErrorCode,
              ...AuthErrorCode[],
            ],
          )
          .optional()
          .describe("The stable code to branch on, where the tRPC code alone is ambiguous."),
      }),
    }),
  })
  .meta({ id: "TrpcError", description: "tRPC's error envelope." });

/** What each status means for a procedure, before its stable codes are listed. */
const MEANING: Readonly<Record<number, string>> = {
  400: "Invalid input (see `zodError`), a body that is not JSON, or a refused value",
  401: "No valid access token (`WWW-Authenticate: Bearer`), or wrong credentials",
  403: "Not allowed (role, origin, unverified email, second factor)",
  404: "Not found (no such procedure, or not yours)",
  405: "Wrong method: queries are GET, mutations are POST",
  409: "Conflicts with the current state",
  413: "Request too large",
  415: "A mutation's body must be `application/json`",
  429: "Too many attempts (`Retry-After`)",
  503: "A dependency is unavailable or the server is busy (`Retry-After`)",
};

/** The statuses every documented procedure may answer with the envelope. */
export const TRPC_ERROR_STATUSES = Object.keys(MEANING).map(Number);

/** One `components.responses` entry per status, named `Trpc<status>`. */
export function trpcErrorResponses() {
  const codes = authCodesByStatus();
  return Object.fromEntries(
    TRPC_ERROR_STATUSES.map((status) => {
      const listed = codes.get(status);
      const suffix = listed ? ` Stable codes (\`authCode\`): ${listed.join(", ")}.` : "";
      return [
        `Trpc${status}`,
        {
          description: `${MEANING[status]}.${suffix}`,
          content: { "application/json": { schema: trpcErrorEnvelope } },
        },
      ];
    }),
  );
}
