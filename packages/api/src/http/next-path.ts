/**
 * Where to send a visitor after signing in, from an untrusted `next` value (a query parameter
 * or a form field). Shared by the pages and the form endpoint so both read `next` one way.
 *
 * Prefix checks on the raw string are not enough: the browser's URL parser drops tabs and
 * newlines and reads `\` as `/`, so `/\t/evil.example` passes a "starts with / but not //"
 * test and still lands on `//evil.example`. Resolving with the same parser and comparing
 * origins leaves no such gap. Importable from the browser: no Node APIs.
 *
 * Comparing origins is not the end of it either: the *result* is a path the browser resolves
 * again (a `Location` header, `router.replace`). Dot segments can resolve to a path that starts
 * with `//` (`/.//evil.example`, `/a/..//evil.example`, `/%2e//evil.example` all have the
 * pathname `//evil.example` on this origin), and such a path read again is protocol-relative:
 * another host. So a resolved path must not start with two slashes (or a slash and a backslash,
 * which the parser reads as one), and the result must resolve to itself on this origin.
 */

/** Paths that make no sense after signing in: the API itself, and the sign-in pages (a loop). */
const NOT_A_DESTINATION = /^\/(api|login|register)(\/|$)/;

/**
 * The path (with query and fragment) that `raw` leads to when it stays on `origin`; `/`
 * otherwise. Always a path, never an absolute URL, so a caller can put it in `Location` or
 * `router.replace` without a second check.
 */
export function safeNextPath(raw: string | null | undefined, origin: string): string {
  if (!raw) return "/";
  let target: URL;
  try {
    target = new URL(raw, origin);
  } catch {
    return "/";
  }
  if (target.origin !== new URL(origin).origin) return "/";
  if (NOT_A_DESTINATION.test(target.pathname)) return "/";
  if (NETWORK_PATH.test(target.pathname)) return "/";
  const path = `${target.pathname}${target.search}${target.hash}`;
  // What the browser will do with it: the same place on the same origin, or home.
  const again = new URL(path, origin);
  return again.origin === target.origin && again.href === target.href ? path : "/";
}

/** A path that, read again as a URL reference, names another host (`//host`, `/\host`). */
const NETWORK_PATH = /^[/\\][/\\]/;
