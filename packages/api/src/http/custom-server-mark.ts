/**
 * How Next's `/api` route handlers tell a request the custom server handed them from one that
 * reached them some other way (issue 23, finding 4).
 *
 * Under the custom server (`pnpm start`, `pnpm dev`) the server answers the API itself, from
 * the socket's address, or (in `pnpm dev`) hands an API request to Next marked with a
 * per-process nonce and the client address it derived. A route handler that runs under the
 * custom server answers 404 to anything unmarked: a spelling of an API path the custom server
 * did not recognise as one can no longer reach the API without the socket's address. With no
 * custom server (`next start`) there is no mark, and the route handlers serve every request.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** The nonce proving the custom server sent the request. */
export const MARK_HEADER = "x-authkit-custom-server";
/** The client address the custom server derived from the socket ("" when it had none). */
export const CLIENT_IP_HEADER = "x-authkit-client-ip";

export interface CustomServerMark {
  readonly nonce: Buffer;
}

export function createCustomServerMark(random: (size: number) => Buffer = randomBytes) {
  return { nonce: random(32) } satisfies CustomServerMark;
}

/** Survives Next's separate module graphs, like the App's slot (../shared-app). */
const SLOT = Symbol.for("authkit.customServerMark");

/** The custom server announces itself before Next starts. */
export function provideCustomServerMark(mark: CustomServerMark): void {
  (globalThis as { [SLOT]?: CustomServerMark })[SLOT] = mark;
}

/** The custom server's mark, or undefined when Next runs alone. */
export function customServerMark(): CustomServerMark | undefined {
  return (globalThis as { [SLOT]?: CustomServerMark })[SLOT];
}

/** What a client sent under our headers' names is never believed: dropped at the door. */
export function stripMark(headers: IncomingHttpHeaders): void {
  delete headers[MARK_HEADER];
  delete headers[CLIENT_IP_HEADER];
}

/** Marks a request the custom server hands to Next's route handler. */
export function markRequest(
  mark: CustomServerMark,
  headers: IncomingHttpHeaders,
  clientIp: string | null,
): void {
  headers[MARK_HEADER] = mark.nonce.toString("base64url");
  headers[CLIENT_IP_HEADER] = clientIp ?? "";
}

/** The client address a marked request carries; undefined when the request is not marked. */
export function readMark(
  mark: CustomServerMark,
  headers: Headers,
): { clientIp: string | null } | undefined {
  const given = Buffer.from(headers.get(MARK_HEADER) ?? "", "base64url");
  if (given.length !== mark.nonce.length || !timingSafeEqual(given, mark.nonce)) return undefined;
  return { clientIp: headers.get(CLIENT_IP_HEADER) || null };
}
