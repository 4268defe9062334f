/**
 * A valid request for each documented operation, as a client reading the document would build
 * it: the body its schema asks for (`{}` for a mutation without input), the credentials its
 * security names. Destructive calls act on the fresh user each call is given.
 */
import { randomUUID } from "node:crypto";

import { uniqueEmail, type SignedIn } from "./harness";
import type { DocumentedOperation, SendOptions } from "./openapi-contract";

export interface Credentials {
  /** A fresh user for this call (its sessions may end). */
  user?: SignedIn;
  admin?: SignedIn;
  metricsToken?: string;
}

const PASSWORD = "correct horse battery";
const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

/** tRPC inputs that pass validation, by procedure (the others take none). */
function trpcInput(path: string, { user }: Credentials): unknown {
  const target = { userId: user?.userId ?? randomUUID() };
  const inputs: Record<string, unknown> = {
    "auth.register": { email: uniqueEmail("openapi"), password: PASSWORD, name: "Open Api" },
    "auth.login": { email: user?.email ?? uniqueEmail(), password: PASSWORD },
    "auth.changePassword": { currentPassword: PASSWORD, newPassword: "another horse battery" },
    "auth.requestPasswordReset": { email: user?.email ?? uniqueEmail() },
    "auth.requestVerificationEmail": { email: user?.email ?? uniqueEmail() },
    "auth.resetPassword": { token: "not-a-mailed-token", password: PASSWORD },
    "auth.verifyEmail": { token: "not-a-mailed-token" },
    "session.revoke": { id: randomUUID() },
    "admin.users": { page: 1, pageSize: 5 },
    "admin.setRole": { ...target, role: "user" },
    "admin.disableUser": target,
    "admin.enableUser": target,
    "admin.revokeSessions": target,
  };
  return inputs[path];
}

function formBody(path: string, { user }: Credentials): string {
  const email = user?.email ?? uniqueEmail();
  const fields: Record<string, Record<string, string>> = {
    "/api/auth/token": { grant_type: "password", username: email, password: PASSWORD },
    "/api/auth/revoke": { token: user?.cookie.split("=")[1] ?? "unknown" },
    "/api/auth/login": { email, password: PASSWORD },
    "/api/auth/register": { email: uniqueEmail("form"), password: PASSWORD },
    "/api/auth/forgot-password": { email },
    "/api/auth/reset-password": { token: "not-a-mailed-token", password: PASSWORD },
    "/api/auth/verify-email": { token: "not-a-mailed-token" },
  };
  return new URLSearchParams(fields[path] ?? {}).toString();
}

function credentialHeaders(
  { operation, path }: DocumentedOperation,
  credentials: Credentials,
): Record<string, string> {
  const schemes = new Set((operation.security ?? []).flatMap((s) => Object.keys(s)));
  const headers: Record<string, string> = {};
  const signedIn = path.includes("/admin.") ? credentials.admin : credentials.user;
  if ((schemes.has("bearerJwt") || path.endsWith("auth.logout")) && signedIn)
    headers.authorization = `Bearer ${signedIn.accessToken}`;
  if (schemes.has("refreshCookie") || path.endsWith("auth.logout"))
    if (credentials.user) headers.cookie = credentials.user.cookie;
  if (schemes.has("metricsToken") && credentials.metricsToken)
    headers.authorization = `Bearer ${credentials.metricsToken}`;
  return headers;
}

/** The request a documented operation asks for, with `credentials` where its security says. */
export function validRequest(op: DocumentedOperation, credentials: Credentials): SendOptions {
  const headers = credentialHeaders(op, credentials);
  const media = Object.keys(op.operation.requestBody?.content ?? {})[0];
  if (op.path.startsWith("/api/trpc/")) {
    const input = trpcInput(op.path.slice("/api/trpc/".length), credentials);
    if (op.method === "GET") {
      const query =
        input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      return { headers, query };
    }
    return { headers, contentType: JSON_TYPE, body: JSON.stringify(input ?? {}) };
  }
  if (media === FORM) return { headers, contentType: FORM, body: formBody(op.path, credentials) };
  return { headers };
}
