/**
 * Where to go after signing in. Only a path on this site: an absolute or protocol-relative URL
 * in `?next=` would make the login page an open redirect.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/";
  if (raw.startsWith("/api") || raw.startsWith("/login") || raw.startsWith("/register")) return "/";
  return raw;
}

export function loginHref(next: string | null): string {
  const target = next ? safeNext(next) : "/";
  return target === "/" ? "/login" : `/login?next=${encodeURIComponent(target)}`;
}
