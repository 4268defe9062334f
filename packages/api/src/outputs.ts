/**
 * What every procedure answers, declared once: tRPC parses each result with its `.output()`
 * schema, so a response is cut to this shape (zod objects drop unknown keys) and a field added
 * to a Prisma select cannot leak by accident. The same schemas generate the OpenAPI document
 * (./openapi), where the `id` in `.meta()` names the component.
 */
import { z } from "zod";

import type { StreamEndReason } from "@authkit/auth";

export const roleOutput = z.enum(["user", "admin"]).meta({ id: "Role" });

export const publicUserOutput = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    role: roleOutput,
  })
  .meta({ id: "PublicUser", description: "The public fields of an account." });

export const okOutput = z
  .object({ ok: z.literal(true) })
  .meta({ id: "Ok", description: "Done; nothing else to say." });

/** The browser's session: the refresh token travels only as the HttpOnly cookie. */
export const sessionOutput = z
  .object({
    accessToken: z.string().describe("A JWT for `Authorization: Bearer`."),
    tokenType: z.literal("Bearer"),
    expiresIn: z.int().describe("Seconds until the access token expires."),
    user: publicUserOutput,
  })
  .meta({
    id: "Session",
    description: "A new access token; the refresh token is set as the HttpOnly refresh cookie.",
  });

export const secondFactorMethodOutput = z
  .enum(["totp", "passkey", "recovery_code"])
  .meta({ id: "SecondFactorMethod" });

export const loginOutput = z
  .discriminatedUnion("mfaRequired", [
    sessionOutput.extend({ mfaRequired: z.literal(false) }).meta({ id: "LoginSession" }),
    z
      .object({
        mfaRequired: z.literal(true),
        challenge: z.string().describe("What the second step of the sign-in sends back."),
        methods: z.array(secondFactorMethodOutput),
        expiresIn: z.int().describe("Seconds the challenge stays valid."),
      })
      .meta({ id: "LoginChallenge" }),
  ])
  .meta({ id: "LoginResult" });

export const registerOutput = z.object({ user: publicUserOutput }).meta({ id: "Registered" });

export const ticketOutput = z
  .object({
    ticket: z.string().describe("Single use, opens `session.events` over SSE or a WebSocket."),
    expiresIn: z.int(),
    transport: z.enum(["sse", "ws"]).describe("The live transport this server's web app uses."),
  })
  .meta({ id: "Ticket" });

export const profileOutput = publicUserOutput
  .extend({ emailVerified: z.boolean() })
  .meta({ id: "Profile", description: "The caller's own account." });

export const sessionViewOutput = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    userAgent: z.string().nullable(),
    current: z.boolean().describe("Whether this is the session of the token calling."),
  })
  .meta({ id: "SessionView" });

export const sessionListOutput = z.array(sessionViewOutput).meta({ id: "SessionList" });

export const userPageOutput = z
  .object({
    users: z.array(
      publicUserOutput
        .extend({ createdAt: z.iso.datetime(), disabled: z.boolean(), emailVerified: z.boolean() })
        .meta({ id: "AdminUserView" }),
    ),
    total: z.int().min(0),
    page: z.int().min(1),
    pageSize: z.int().min(1),
  })
  .meta({ id: "UserPage" });

export const healthOutput = z.object({ ok: z.literal(true) }).meta({ id: "Health" });

const revocationReason = z.enum([
  "logout",
  "logout_all",
  "password_changed",
  "password_reset",
  "session_revoked",
  "session_limit",
  "role_changed",
  "refresh_token_reused",
  "user_disabled",
  "revoked_by_admin",
  "token_version_changed",
  "token_revoked",
  "session_expired",
  "mfa_changed",
]);
// Every reason a stream can end with, and no other: a new one fails the build here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _everyReason: Same<z.infer<typeof revocationReason>, StreamEndReason> = true;
void _everyReason;

export const sessionEventOutput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("connected") }),
  z.object({ type: z.literal("revoked"), reason: revocationReason }),
]);

/**
 * A subscription's output: tRPC hands the output parser the async iterable itself, so this one
 * checks that it is one and parses every event it yields with `event`.
 */
export function eventStream<T extends z.ZodType>(event: T) {
  return z
    .custom<AsyncIterable<z.input<T>>>(
      (value) => typeof value === "object" && value !== null && Symbol.asyncIterator in value,
    )
    .transform(async function* (iterable): AsyncGenerator<z.output<T>> {
      for await (const item of iterable) yield await event.parseAsync(item);
    });
}
