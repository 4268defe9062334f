/**
 * Single calls are answered without tRPC's Fetch adapter (src/http/direct-call.ts). The
 * contract is that nobody can tell: every request here goes to two listeners on one App, one
 * answering directly and one through `fetchRequestHandler`, and the answers must be the same in
 * status, headers (less `date` and the request id's value) and body, successes and every kind of failure alike.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createNodeListener } from "../src";
import { directCallOf } from "../src/http/direct-call";
import {
  call,
  login,
  quickDatabase,
  registerAndLogin,
  signedInAdmin,
  startTestServer,
  type SignedIn,
  type TestServer,
} from "./harness";

const MiB = 1024 * 1024;
const json = (length: number) => ({
  "content-type": "application/json",
  "content-length": `${length}`,
});

describe("directCallOf", () => {
  it("takes one query with at most `input`, or one mutation with a JSON body of known length", () => {
    expect(directCallOf("GET", "/api/trpc/health", {}, MiB)).toEqual({
      type: "query",
      path: "health",
      rawInput: null,
    });
    expect(directCallOf("GET", "/api/trpc/admin.users?input=%7B%7D", {}, MiB)).toEqual({
      type: "query",
      path: "admin.users",
      rawInput: "{}",
    });
    expect(directCallOf("POST", "/api/trpc/auth.refresh", json(0), MiB)).toEqual({
      type: "mutation",
      path: "auth.refresh",
    });
    const noBody = { "content-type": "application/json" };
    expect(directCallOf("POST", "/api/trpc/auth.refresh", noBody, MiB)).toEqual({
      type: "mutation",
      path: "auth.refresh",
    });
    const charset = { ...json(2), "content-type": "Application/JSON; charset=utf-8" };
    expect(directCallOf("POST", "/api/trpc/auth.login", charset, MiB)).toEqual({
      type: "mutation",
      path: "auth.login",
    });
  });

  it("leaves everything else to tRPC's adapter", () => {
    const chunked = { "content-type": "application/json", "transfer-encoding": "chunked" };
    const adapter = [
      ["HEAD", "/api/trpc/health", {}],
      ["POST", "/api/trpc/health", json(0)],
      ["GET", "/api/trpc/auth.logout", {}],
      ["GET", "/api/trpc/health,user.me?batch=1", {}],
      ["GET", "/api/trpc/health?batch=1", {}],
      ["POST", "/api/trpc/auth.logout?batch=1", json(0)],
      ["GET", "/api/trpc/session.events?input=%7B%7D", {}],
      ["GET", "/api/trpc/user%2Eme", {}],
      ["GET", "/api/trpc/nothing.here", {}],
      ["GET", "/api/trpc/health?input=1&connectionParams=1", {}],
      ["GET", "/api/trpc/health", { "trpc-accept": "application/jsonl" }],
      ["GET", "/api/trpc/health", { accept: "application/jsonl" }],
      ["GET", "/api/trpc/health", { "content-type": "application/json" }],
      ["POST", "/api/trpc/auth.logout", { "content-length": "0" }],
      ["POST", "/api/trpc/auth.logout", { ...json(2), "content-type": "text/plain" }],
      ["POST", "/api/trpc/auth.logout", chunked],
      ["POST", "/api/trpc/auth.login", json(MiB + 1)],
      ["POST", "/api/trpc/auth.logout", { ...json(0), "trpc-accept": "application/jsonl" }],
    ] as const;
    for (const [method, target, headers] of adapter)
      expect(directCallOf(method, target, headers, MiB), `${method} ${target}`).toBeNull();
  });
});

describe("a single call answered directly and through tRPC's adapter", () => {
  let server: TestServer;
  let adapter: Server;
  let adapterUrl: string;
  let user: SignedIn;
  let admin: SignedIn;
  let loggedOut: SignedIn;

  beforeAll(async () => {
    server = await startTestServer({ database: await quickDatabase(), store: "database" });
    adapter = createServer(
      createNodeListener(server.app, (_req, res) => res.writeHead(404).end(), {
        directCalls: false,
      }),
    );
    await new Promise<void>((resolve) => adapter.listen(0, "127.0.0.1", resolve));
    adapterUrl = `http://127.0.0.1:${(adapter.address() as AddressInfo).port}`;
    user = await registerAndLogin(server.url);
    admin = await signedInAdmin(server);
    const other = await registerAndLogin(server.url);
    loggedOut = await login(server.url, other.email, other.password);
    const logout = await call(server.url, "mutation", "auth.logout", {
      token: loggedOut.accessToken,
      cookie: loggedOut.cookie,
    });
    expect(logout.status).toBe(200);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => adapter.close(() => resolve()));
    await server.close();
  });

  async function both(
    target: string,
    headers: Record<string, string> = {},
    body?: string | Uint8Array<ArrayBuffer>,
  ) {
    const method = body === undefined ? "GET" : "POST";
    const read = async (base: string) => {
      const response = await fetch(`${base}${target}`, { method, headers, body });
      const sent: [string, string][] = [];
      response.headers.forEach((value, name) => {
        // Each request's own: the time, and the access log's id (present both ways).
        if (name === "x-request-id") sent.push([name, value === "" ? "" : "(an id)"]);
        else if (name !== "date") sent.push([name, value]);
      });
      return { status: response.status, headers: sent, body: await response.text() };
    };
    return { direct: await read(server.url), adapter: await read(adapterUrl) };
  }

  const bearer = (who: () => SignedIn) => () => ({ authorization: `Bearer ${who().accessToken}` });
  const cases: [string, string, () => Record<string, string>, number][] = [
    ["health", "/api/trpc/health", () => ({}), 200],
    ["health with an empty input", "/api/trpc/health?input=", () => ({}), 200],
    ["user.me signed in", "/api/trpc/user.me", bearer(() => user), 200],
    ["user.me with no token", "/api/trpc/user.me", () => ({}), 401],
    [
      "user.me with a forged token",
      "/api/trpc/user.me",
      () => ({ authorization: "Bearer x.y.z" }),
      401,
    ],
    ["user.me after logout", "/api/trpc/user.me", bearer(() => loggedOut), 401],
    ["session.list", "/api/trpc/session.list", bearer(() => user), 200],
    ["admin.users as a user", "/api/trpc/admin.users?input=%7B%7D", bearer(() => user), 403],
    ["admin.users as an admin", "/api/trpc/admin.users?input=%7B%7D", bearer(() => admin), 200],
    [
      "admin.users, input that is not JSON",
      "/api/trpc/admin.users?input=%7B",
      bearer(() => admin),
      400,
    ],
    [
      "admin.users, input of the wrong shape",
      `/api/trpc/admin.users?input=${encodeURIComponent('"all of them"')}`,
      bearer(() => admin),
      400,
    ],
  ];

  it.each(cases)("%s: the same answer both ways", async (_, target, headers, status) => {
    const { direct, adapter: viaAdapter } = await both(target, headers());
    expect(direct).toEqual(viaAdapter);
    expect(direct.status).toBe(status);
  });

  const JSON_TYPE = { "content-type": "application/json" };
  const loginWith = (body: string | Uint8Array<ArrayBuffer>) =>
    ["/api/trpc/auth.login", () => JSON_TYPE, body] as const;
  // A byte-order mark, then a string holding a byte that is not UTF-8.
  const badUtf8 = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('{"email": "'),
    Buffer.from([0xff]),
    Buffer.from('"}'),
  ]);
  const mutations: [
    string,
    string,
    () => Record<string, string>,
    string | Uint8Array<ArrayBuffer>,
    number,
  ][] = [
    [
      "auth.login, a wrong password",
      ...loginWith(JSON.stringify({ email: "a@b.example", password: "not it at all" })),
      401,
    ],
    ["auth.login, no input", ...loginWith(""), 400],
    ["auth.login, a body that is not JSON", ...loginWith("{"), 400],
    ["auth.login, input of the wrong shape", ...loginWith(JSON.stringify({ email: 1 })), 400],
    ["auth.login, a byte-order mark and bad UTF-8", ...loginWith(new Uint8Array(badUtf8)), 400],
    ["auth.refresh without a cookie", "/api/trpc/auth.refresh", () => JSON_TYPE, "", 401],
    [
      "auth.refresh from another site",
      "/api/trpc/auth.refresh",
      () => ({ ...JSON_TYPE, "sec-fetch-site": "cross-site", cookie: user.cookie }),
      "",
      403,
    ],
    [
      "auth.requestPasswordReset",
      "/api/trpc/auth.requestPasswordReset",
      () => JSON_TYPE,
      JSON.stringify({ email: "nobody@example.com" }),
      200,
    ],
    [
      "auth.logoutAll without a token",
      "/api/trpc/auth.logoutAll",
      () => ({ "content-type": "application/json; charset=utf-8" }),
      "",
      401,
    ],
  ];

  it.each(mutations)("%s: the same answer both ways", async (_, target, headers, body, status) => {
    const { direct, adapter: viaAdapter } = await both(target, headers(), body);
    expect(direct).toEqual(viaAdapter);
    expect(direct.status).toBe(status);
  });

  it("a rotation answers alike: the same status, headers and cookie attributes", async () => {
    const { cookie } = await login(server.url, user.email, user.password);
    const other = await login(server.url, user.email, user.password);
    const rotate = async (base: string, refresh: string) => {
      const response = await fetch(`${base}/api/trpc/auth.refresh`, {
        method: "POST",
        headers: { ...JSON_TYPE, cookie: refresh },
      });
      const names: string[] = [];
      response.headers.forEach((_, name) => names.push(name));
      const attributes = response.headers
        .getSetCookie()
        .map((c) => c.split(";").slice(1).join(";"));
      const body = (await response.json()) as { result: { data: Record<string, unknown> } };
      return { status: response.status, names, attributes, keys: Object.keys(body.result.data) };
    };
    const direct = await rotate(server.url, cookie);
    expect(direct.status).toBe(200);
    expect(direct).toEqual(await rotate(adapterUrl, other.cookie));
  });
});
