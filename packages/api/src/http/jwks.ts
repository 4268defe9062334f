import { createHash } from "node:crypto";

import type { KeySet } from "@authkit/auth";

import { methodNotAllowed } from "./oauth/form";

/** How long verifiers may cache the key set; rotation must keep the old key listed this long. */
export const JWKS_MAX_AGE_SECONDS = 300;

/**
 * `GET /.well-known/jwks.json`: the public verification keys (RFC 7517), empty for HS256. The
 * key set is fixed for the life of the process, so it is serialised and tagged once.
 */
export function createJwksHandler(keys: Pick<KeySet, "jwks">): (request: Request) => Response {
  const body = JSON.stringify({ keys: keys.jwks.keys });
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const headers = {
    "cache-control": `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
    etag,
    "access-control-allow-origin": "*",
    "x-content-type-options": "nosniff",
  };
  return (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
    const ifNoneMatch = request.headers.get("if-none-match");
    const matches = ifNoneMatch
      ?.split(",")
      .some((tag) => tag.trim().replace(/^W\//, "") === etag || tag.trim() === "*");
    if (matches) return new Response(null, { status: 304, headers });
    return new Response(request.method === "HEAD" ? null : body, {
      status: 200,
      headers: { "content-type": "application/json", ...headers },
    });
  };
}
