import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { safeNextPath } from "../src/http/next-path";

const ORIGIN = "http://app.test";

describe("safeNextPath", () => {
  it.each([
    ["/sessions", "/sessions"],
    ["/sessions?tab=all#top", "/sessions?tab=all#top"],
    ["/admin/users", "/admin/users"],
    ["sessions", "/sessions"],
    ["http://app.test/sessions", "/sessions"],
    ["/a/../sessions", "/sessions"],
  ])("keeps %j on the site as %j", (raw, expected) => {
    expect(safeNextPath(raw, ORIGIN)).toBe(expected);
  });

  it.each([
    // What the browser's URL parser turns into //evil.example: tabs, newlines, backslashes.
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t\\evil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example/",
    "HTTPS://evil.example",
    "http://app.test.evil.example/",
    "http://app.test@evil.example/",
    "javascript:alert(1)",
    "data:text/html,hi",
    "http://app.test:8080/",
    "https://app.test/",
    // Issue 23 finding 3: dot segments that resolve to a path starting with // or /\.
    "/.//evil.example",
    "/..//evil.example",
    "/%2e//evil.example",
    "/%2E%2E//evil.example",
    "/.%2e//evil.example",
    "/a/..//evil.example",
    "/a/b/../..//evil.example",
    "/./\\evil.example",
    "/.\\/evil.example",
    "/.//\\evil.example",
    "\\.//evil.example",
    "/./\t/evil.example",
    "/a/../\\evil.example",
    "http://app.test/.//evil.example",
    "http://app.test/a/..//evil.example",
    "./\\evil.example",
    ".//evil.example",
  ])("sends %j home", (raw) => {
    expect(safeNextPath(raw, ORIGIN)).toBe("/");
  });

  it.each([
    // The encoded forms as a query string delivers them, decoded once by URLSearchParams.
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "/.%2F%2Fevil.example",
    "/%2e%2F%2Fevil.example",
    "/%2e%2e/%5Cevil.example",
    "/a/%2e%2e%2F%2Fevil.example",
  ])("decodes %j once and still refuses to leave the site", (encoded) => {
    const raw = new URLSearchParams(`next=${encoded}`).get("next");
    const path = safeNextPath(raw, ORIGIN);
    expect(new URL(path, ORIGIN).origin).toBe(ORIGIN);
  });

  it.each(["/api/trpc/user.me", "/api", "/login", "/login?next=/x", "/register", "/%2e%2e/api"])(
    "does not send a signed-in visitor back to %j",
    (raw) => expect(safeNextPath(raw, ORIGIN)).toBe("/"),
  );

  it.each([null, undefined, ""])("goes home without a value (%j)", (raw) => {
    expect(safeNextPath(raw, ORIGIN)).toBe("/");
  });
});

/**
 * Generated cases beside the table: any mix of path segments (dot segments in every spelling,
 * the attacker's host, plain names), separators (slash, backslash, encoded, with the tabs and
 * newlines the parser drops) and an optional scheme-and-host prefix, taken raw or decoded once
 * as a query string delivers it. Whatever comes out must stay on the site when the browser reads
 * it again, from any page of the site, and must be a fixed point.
 */
describe("safeNextPath, generated", () => {
  const segment = fc.constantFrom(
    "",
    ".",
    "..",
    "%2e",
    "%2E",
    "%2e%2e",
    ".%2e",
    "%2e.",
    "evil.example",
    "evil.example:443",
    "a",
    "sessions",
    "@evil.example",
  );
  const separator = fc.constantFrom(
    "/",
    "\\",
    "//",
    "\\\\",
    "/\\",
    "\\/",
    "%2f",
    "%2F",
    "%5c",
    "%5C",
    "\t",
    "\n",
    "\r\n",
    "%09",
    "%0a",
    "/\t/",
    "/\t\\",
  );
  const prefix = fc.constantFrom(
    "",
    "/",
    "\\",
    "http://app.test",
    "http://app.test/",
    "http:",
    "https:",
    "//",
    "\t",
  );
  const raw = fc
    .tuple(prefix, fc.array(fc.tuple(separator, segment), { maxLength: 6 }), fc.boolean())
    .map(([start, parts, decoded]) => {
      const value = start + parts.map(([sep, seg]) => sep + seg).join("");
      return decoded ? (new URLSearchParams(`next=${value}`).get("next") ?? "") : value;
    });

  it("never leaves the site, however the result is read again", () => {
    fc.assert(
      fc.property(raw, (value) => {
        const path = safeNextPath(value, ORIGIN);
        expect(path.startsWith("/")).toBe(true);
        expect(path).not.toMatch(/^[/\\][/\\]/);
        for (const base of [ORIGIN, `${ORIGIN}/login`, `${ORIGIN}/a/b/`])
          expect(new URL(path, base).origin).toBe(ORIGIN);
        // A fixed point: carried again (a second sign-in page), it goes to the same place.
        expect(safeNextPath(path, ORIGIN)).toBe(path);
      }),
      { numRuns: 5000 },
    );
  });

  it("keeps a plain path of this site as it is", () => {
    const name = fc
      .stringMatching(/^[a-z0-9-]{1,8}$/)
      .filter((n) => !/^(api|login|register)$/.test(n));
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (names) => {
        const path = `/${names.join("/")}`;
        expect(safeNextPath(path, ORIGIN)).toBe(path);
      }),
    );
  });
});
