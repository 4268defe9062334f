/**
 * Logs as an attack surface (issue 6): one structured pino line per request (request id, method,
 * path without query string, status, duration), and never a password, password hash, raw token
 * or secret, whatever the flow. The server's log output is captured through an injected stream.
 */
import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sha256 } from "@authkit/auth/internal";

import { createLogger } from "../src";
import { pathOf, requestIdFrom } from "../src/http/log";
import {
  call,
  cookieFrom,
  LogCapture,
  quickDatabase,
  rawRefreshToken,
  startTestServer,
  TEST_SECRET,
  uniqueEmail,
  type TestServer,
} from "./harness";

const Capture = LogCapture;

describe.each(["node", "fetch"] as const)("request logs, %s mount", (mount) => {
  let server: TestServer;
  const capture = new Capture();
  beforeAll(async () => {
    server = await startTestServer({
      database: await quickDatabase(),
      store: "upstash",
      mount,
      env: { LOG_LEVEL: "info" },
      logDestination: capture,
    });
  });
  afterAll(() => server.close());

  it("logs a full flow one line per request, and no secret it saw", async () => {
    const base = server.url;
    const secrets = new Set<string>([TEST_SECRET, "test-token"]);
    const requests: { method: string; path: string; status: number }[] = [];
    const track = <T extends { status: number }>(method: string, path: string, result: T): T => {
      requests.push({ method, path, status: result.status });
      return result;
    };
    const trpc = async <T = unknown>(
      type: "query" | "mutation",
      path: string,
      options: Parameters<typeof call>[3] = {},
    ) =>
      track(
        type === "query" ? "GET" : "POST",
        `/api/trpc/${path}`,
        await call<T>(base, type, path, options),
      );

    const email = uniqueEmail("logs");
    const password = `Pa55-${randomUUID()}`;
    const newPassword = `Nu-${randomUUID()}`;
    const wrongPassword = `Wr0ng-${randomUUID()}`;
    for (const s of [password, newPassword, wrongPassword]) secrets.add(s);

    expect(
      (await trpc("mutation", "auth.register", { input: { email, password, name: "Logan" } }))
        .status,
    ).toBe(200);
    expect(
      (await trpc("mutation", "auth.login", { input: { email, password: wrongPassword } })).status,
    ).toBe(401);
    const loggedIn = await trpc<{ accessToken: string }>("mutation", "auth.login", {
      input: { email, password },
    });
    expect(loggedIn.status).toBe(200);
    secrets.add(loggedIn.data.accessToken);
    let cookie = cookieFrom(loggedIn)!;
    secrets.add(rawRefreshToken(cookie));

    // A query whose input rides in the query string: the path is logged, the query never.
    const inQuery = `secret-in-query-${randomUUID()}`;
    secrets.add(inQuery);
    const me = await trpc("query", "user.me", {
      token: loggedIn.data.accessToken,
      input: { note: inQuery },
    });
    expect(me.status).toBe(200);

    const refreshed = await trpc<{ accessToken: string }>("mutation", "auth.refresh", { cookie });
    expect(refreshed.status).toBe(200);
    secrets.add(refreshed.data.accessToken);
    cookie = cookieFrom(refreshed)!;
    secrets.add(rawRefreshToken(cookie));
    const access = refreshed.data.accessToken;

    expect((await trpc("query", "session.list", { token: access })).status).toBe(200);
    expect(
      (
        await trpc("mutation", "auth.changePassword", {
          token: access,
          input: { currentPassword: password, newPassword },
        })
      ).status,
    ).toBe(200);
    expect((await trpc("query", "user.me", { token: `${access}tampered` })).status).toBe(401);
    const ticket = await trpc<{ ticket: string }>("mutation", "auth.ticket", { token: access });
    expect(ticket.status).toBe(200);
    secrets.add(ticket.data.ticket);

    // The OAuth2 endpoints. A client that sends credentials is refused (public clients only):
    // its Basic header must not reach the log either.
    const form = async (path: string, fields: Record<string, string>) => {
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: "Basic Y2xpZW50OnNlY3JldA==",
        },
        body: new URLSearchParams(fields).toString(),
      });
      const body = await response.text();
      return track("POST", path, { status: response.status, body });
    };
    const probe = await form("/api/auth/token", {
      grant_type: "password",
      username: email,
      password: newPassword,
    });
    expect(probe.status).toBe(401);
    secrets.add("Y2xpZW50OnNlY3JldA==");
    const plain = await fetch(`${base}/api/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        username: email,
        password: newPassword,
      }).toString(),
    });
    const pair = (await plain.json()) as { access_token: string; refresh_token: string };
    requests.push({ method: "POST", path: "/api/auth/token", status: plain.status });
    expect(plain.status).toBe(200);
    secrets.add(pair.access_token);
    secrets.add(pair.refresh_token);
    const rotated = await fetch(`${base}/api/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: pair.refresh_token,
      }).toString(),
    });
    requests.push({ method: "POST", path: "/api/auth/token", status: rotated.status });
    const next = (await rotated.json()) as { access_token: string; refresh_token: string };
    expect(rotated.status).toBe(200);
    secrets.add(next.access_token);
    secrets.add(next.refresh_token);
    await form("/api/auth/revoke", { token: next.refresh_token });

    expect((await trpc("mutation", "auth.logout", { token: access, cookie })).status).toBe(200);

    // What else the flow produced that must never leave the server.
    const user = await server.db.prisma.user.findFirstOrThrow({
      where: { email },
      select: { passwordHash: true },
    });
    secrets.add(user.passwordHash);
    secrets.add(user.passwordHash.split("$").at(-1)!); // the digest alone
    for (const secret of [...secrets]) {
      if (secret.split(".").length === 3) secrets.add(secret.split(".")[2]!); // a JWT's signature alone
      if (/^[\w-]{43}$/.test(secret)) secrets.add(sha256(secret)); // stored refresh-token hashes
    }
    secrets.delete("");

    await capture.until(
      (lines) => lines.filter((l) => l.msg === "request").length >= requests.length,
    );
    const text = capture.text;
    for (const secret of secrets)
      expect(text.includes(secret), `the log contains a secret (${secret.slice(0, 6)}…)`).toBe(
        false,
      );
    expect(text).not.toMatch(/argon2|Bearer |refresh_token=|"password"|"authorization"|"cookie"/i);

    // One line per request, in order, with the fields that matter.
    const lines = capture.lines.filter((l) => l.msg === "request");
    expect(lines).toHaveLength(requests.length);
    lines.forEach((line, i) => {
      expect(line).toMatchObject({
        level: expect.any(Number),
        method: requests[i]!.method,
        path: requests[i]!.path,
        status: requests[i]!.status,
      });
      expect(line.reqId).toEqual(expect.any(String));
      expect(line.ms).toEqual(expect.any(Number));
      expect(String(line.path)).not.toContain("?");
    });
    // Failures carry a code to grep for, not a message.
    const unauthorized = lines.find((l) => l.status === 401 && l.path === "/api/trpc/user.me");
    expect(unauthorized?.error).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("honours a plain x-request-id and replaces a dangerous one", async () => {
    const before = capture.lines.length;
    const own = await call(server.url, "query", "health", {
      headers: { "x-request-id": "lb-4f2a.9:7" },
    });
    expect(own.headers.get("x-request-id")).toBe("lb-4f2a.9:7");
    const forged = await call(server.url, "query", "health", {
      headers: { "x-request-id": `x"}\u00ff{"level":60,"msg":"pwned` },
    });
    const replaced = forged.headers.get("x-request-id")!;
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    const none = await call(server.url, "query", "health");
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    await capture.until((lines) => lines.length >= before + 3);
    expect(capture.lines).toHaveLength(before + 3);
    const lines = capture.lines.slice(before);
    expect(lines.map((l) => l.reqId)).toEqual([
      "lb-4f2a.9:7",
      replaced,
      none.headers.get("x-request-id"),
    ]);
    expect(capture.text).not.toContain("pwned");
  });
});

describe("logger", () => {
  it("redacts credentials wherever a careless call puts them", () => {
    const capture = new Capture();
    const logger = createLogger({ level: "info", destination: capture });
    logger.info(
      {
        req: { headers: { authorization: "Bearer abc.def.ghi", cookie: "refresh_token=xyz" } },
        headers: { authorization: "Bearer 123", cookie: "a=b", "set-cookie": "c=d" },
        body: { password: "hunter22", newPassword: "hunter23", refreshToken: "r1", token: "t1" },
        password: "hunter24",
        accessToken: "a1",
      },
      "careless",
    );
    expect(capture.text).not.toMatch(/abc\.def|xyz|Bearer|hunter2|r1|t1|a1|a=b|c=d/);
    expect(capture.text).toContain("[redacted]");
  });

  it("honours LOG_LEVEL", () => {
    const capture = new Capture();
    const logger = createLogger({ level: "warn", destination: capture });
    logger.info("quiet");
    logger.warn("loud");
    expect(capture.lines.map((l) => l.msg)).toEqual(["loud"]);
  });

  it.each([
    ["/api/trpc/user.me?input=%7B%22a%22%3A1%7D", "/api/trpc/user.me"],
    ["/login?next=/admin#frag", "/login"],
    ["/", "/"],
    [undefined, "/"],
  ])("logs %s as %s", (url, path) => expect(pathOf(url)).toBe(path));

  it("accepts only plain request ids", () => {
    expect(requestIdFrom("abc-123")).toBe("abc-123");
    expect(requestIdFrom(["first", "second"])).toBe("first");
    for (const bad of ["", "a b", "x\ny", "x".repeat(129), '{"x":1}'])
      expect(requestIdFrom(bad)).not.toBe(bad);
  });
});
