/**
 * The one normalisation of a request target before anything routes on it (issue 23, finding 4).
 *
 * A router that compares the raw target (`startsWith("/api/trpc")`) and a router that resolves
 * it (Next, the WHATWG URL parser, a proxy) disagree about `/api/./trpc`, `/api/%2e/trpc`,
 * `//api/trpc`, `/api\trpc` or `/api/x/../trpc`: the request then reaches a handler that was
 * not meant to answer it, and skips what the first one does (the client address from the
 * socket). Routing on the normalised path makes every spelling of a route that route.
 */

/** Characters of a path that can make two spellings of it mean one path. */
const NEEDS_WORK = /(?:^|[/\\])\.|%|\\|\/\//;

/** RFC 3986 §2.3 unreserved characters: their percent-encoding means the character itself. */
const ENCODED_UNRESERVED = /%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DdEe]|5[Ff]|7[Ee])/g;

const ORIGIN = "http://normalize.invalid";

/**
 * The target as a path and query every router agrees on: backslashes are slashes, runs of
 * slashes are one, percent-encoded unreserved characters are decoded (so `%2e` is a dot),
 * and `.` and `..` segments are resolved (RFC 3986 §5.2.4, as the WHATWG URL parser does).
 * The query is kept as sent. An absolute-form target (`http://host/path`) keeps only its path
 * and query. Null for a target that is no path at all (`*`, or one that cannot be parsed).
 */
export function normalizeTarget(target: string): string | null {
  const query = target.indexOf("?");
  const path = query === -1 ? target : target.slice(0, query);
  const search = query === -1 ? "" : target.slice(query);
  if (path.startsWith("/") && !NEEDS_WORK.test(path)) return target;
  let pathname: string;
  try {
    pathname = path.startsWith("/") ? path : new URL(path).pathname;
  } catch {
    return null;
  }
  // Until nothing changes. `%25` is never decoded, so `%252e` stays what it is, not a dot.
  for (let pass = 0; pass < 3; pass++) {
    const decoded = pathname.replace(ENCODED_UNRESERVED, (escape) =>
      String.fromCharCode(Number.parseInt(escape.slice(1), 16)),
    );
    const joined = decoded.replace(/[/\\]+/g, "/");
    const resolved = new URL(`${ORIGIN}${joined.startsWith("/") ? "" : "/"}${joined}`).pathname;
    if (resolved === pathname) break;
    pathname = resolved;
  }
  return pathname + search;
}

/** The path of a request target (`/a/b?x` → `/a/b`), normalised; null when it is no path. */
export function normalizedPathname(target: string): string | null {
  const normalized = normalizeTarget(target);
  if (normalized === null) return null;
  const query = normalized.indexOf("?");
  return query === -1 ? normalized : normalized.slice(0, query);
}
