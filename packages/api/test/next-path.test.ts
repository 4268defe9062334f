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
  ])("sends %j home", (raw) => {
    expect(safeNextPath(raw, ORIGIN)).toBe("/");
  });

  it.each([
    // The encoded forms as a query string delivers them, decoded once by URLSearchParams.
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
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
