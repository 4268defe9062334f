/**
 * Where to send a visitor after signing in, from an untrusted `next` value (a query parameter
 * or a form field). Shared by the pages and the form endpoint so both read `next` one way.
 *
 * Prefix checks on the raw string are not enough: the browser's URL parser drops tabs and
 * newlines and reads `\` as `/`, so `/\t/evil.example` passes a "starts with / but not //"
 * test and still lands on `//evil.example`. Resolving with the same parser and comparing
 * origins leaves no such gap. Importable from the browser: no Node APIs.
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
  return `${target.pathname}${target.search}${target.hash}`;
}
