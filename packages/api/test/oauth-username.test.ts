/**
 * Issue 23, finding 8: the password grant's `username` went to the database unchecked, and
 * `username=a%00b@x.io` answered 503 with an error-level log line (PostgreSQL refuses NUL). It
 * is now the login schema's email: whatever a client sends, a username no account can have is
 * 400 `invalid_request`, no input gets a 5xx, and nothing is logged as an error.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { databaseKinds } from "@authkit/db/testing";

import { LogCapture, startTestServer, uniqueEmail, type TestServer } from "./harness";

const PASSWORD = "correct horse battery";

/** A form body as raw text: `username` percent-encoded byte by byte, as any client may. */
async function grant(base: string, encodedUsername: string, password = PASSWORD) {
  const body = `grant_type=password&username=${encodedUsername}&password=${encodeURIComponent(password)}`;
  const response = await fetch(`${base}/api/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as { error?: string } };
}

const encodeBytes = (bytes: Uint8Array) =>
  [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");

/** Text as a form encodes it (lone surrogates become U+FFFD, as in every browser). */
const encodeText = (text: string) => new URLSearchParams({ u: text }).toString().slice(2);

const errorLines = (capture: LogCapture) =>
  capture.lines.filter((line) => typeof line.level === "number" && line.level >= 50);

describe.each(await databaseKinds())("the password grant's username, on %s", (database) => {
  let server: TestServer;
  const capture = new LogCapture();
  beforeAll(async () => {
    server = await startTestServer({
      database,
      store: "database",
      env: { LOG_LEVEL: "info" },
      logDestination: capture,
    });
  });
  afterAll(() => server.close());

  it("answers 400 invalid_request for each known bad username, and logs no error", async () => {
    const cases = [
      "a%00b@x.io",
      "a%01b@x.io",
      "a%0Ab@x.io",
      "a%7Fb@x.io",
      "a%0D%0Ainjected%3A%20line@x.io",
      "not-an-email",
      "@x.io",
      "a@",
      encodeText(`${"a".repeat(250)}@x.io`),
      encodeText(`${"a".repeat(5000)}@x.io`),
      encodeText("a\u200Bb@x.io\u0000"),
    ];
    for (const username of cases) {
      const result = await grant(server.url, username);
      expect(result.status, username).toBe(400);
      expect(result.json.error, username).toBe("invalid_request");
    }
    expect(errorLines(capture)).toEqual([]);
  });

  it("still signs in with a valid username (trimmed, any case)", async () => {
    const email = uniqueEmail("grant");
    const registered = await fetch(`${server.url}/api/trpc/auth.register`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://app.test" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(registered.status).toBe(200);
    expect((await grant(server.url, encodeText(` ${email.toUpperCase()} `))).status).toBe(200);
  });

  it("never answers 5xx nor logs an error, for any username bytes or text", async () => {
    const username = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map(encodeBytes),
      fc.string({ unit: "binary", maxLength: 300 }).map(encodeText),
      fc
        .tuple(
          fc.string({ unit: "binary", maxLength: 20 }),
          fc.constantFrom("@x.io", "@example.com"),
        )
        .map(([local, domain]) => encodeText(`${local}${domain}`)),
    );
    await fc.assert(
      fc.asyncProperty(username, async (encoded) => {
        const result = await grant(server.url, encoded, "not the password");
        expect(result.status, encoded).toBeLessThan(500);
        expect(["invalid_request", "invalid_grant", "slow_down"], encoded).toContain(
          result.json.error,
        );
      }),
      { numRuns: 150 },
    );
    expect(errorLines(capture)).toEqual([]);
  });
});
