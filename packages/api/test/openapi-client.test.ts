/**
 * Clients built from the served document alone, against a real server on PGlite:
 * - a TypeScript client generated at test time (openapi-typescript types, openapi-fetch calls),
 *   type-checked by tsc, runs register → login → me → refresh → logout: a type or path that the
 *   document gets wrong fails to compile or to run;
 * - a fuzz (fast-check) of every documented operation with any JSON, query or form the
 *   generators make, allowed by the document or not: never a 5xx, always a documented status
 *   with a body that matches its schema.
 */
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import fc from "fast-check";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { registerAndLogin, signedInAdmin, startTestServer, type TestServer } from "./harness";
import {
  createContractCheck,
  documentedOperations,
  send,
  type OpenApiDocument,
} from "./openapi-contract";
import { validRequest } from "./openapi-requests";

const BIN = fileURLToPath(new URL("../node_modules/.bin/", import.meta.url));
/** Inside the package, so the generated client resolves openapi-fetch from its node_modules. */
const GENERATED = fileURLToPath(new URL("./.generated-openapi-client/", import.meta.url));

/** The flow, written against the generated `paths` only. */
const FLOW = `import createClient from "openapi-fetch";

import type { paths } from "./schema";

const cookieOf = (response: Response): string => {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("refresh_token="));
  if (!cookie) throw new Error("no refresh cookie");
  return cookie.split(";")[0]!;
};

export async function flow(baseUrl: string, email: string, password: string) {
  const client = createClient<paths>({ baseUrl });
  const registered = await client.POST("/api/trpc/auth.register", {
    body: { email, password, name: "Generated Client" },
  });
  if (!registered.data) throw new Error(\`register: \${registered.response.status}\`);
  const login = await client.POST("/api/trpc/auth.login", { body: { email, password } });
  if (!login.data) throw new Error(\`login: \${login.response.status}\`);
  const session = login.data.result.data;
  if (session.mfaRequired) throw new Error("unexpected second factor");
  const me = await client.GET("/api/trpc/user.me", {
    headers: { authorization: \`Bearer \${session.accessToken}\` },
  });
  if (!me.data) throw new Error(\`me: \${me.response.status}\`);
  const refreshed = await client.POST("/api/trpc/auth.refresh", {
    body: {},
    headers: { cookie: cookieOf(login.response) },
  });
  if (!refreshed.data) throw new Error(\`refresh: \${refreshed.response.status}\`);
  const cookie = cookieOf(refreshed.response);
  const logout = await client.POST("/api/trpc/auth.logout", {
    body: {},
    headers: { cookie, authorization: \`Bearer \${refreshed.data.result.data.accessToken}\` },
  });
  if (!logout.data) throw new Error(\`logout: \${logout.response.status}\`);
  const after = await client.POST("/api/trpc/auth.refresh", { body: {}, headers: { cookie } });
  return {
    registeredId: registered.data.result.data.user.id,
    me: me.data.result.data,
    refreshedUser: refreshed.data.result.data.user.email,
    loggedOut: logout.data.result.data.ok,
    refreshAfterLogout: after.error?.error.data.code,
  };
}
`;

let server: TestServer;
let doc: OpenApiDocument;

beforeAll(async () => {
  server = await startTestServer({ database: "pglite", store: "database" });
  doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as OpenApiDocument;
});
afterAll(async () => {
  await server.close();
  rmSync(GENERATED, { recursive: true, force: true });
});

describe("a client generated from the document", () => {
  it("type-checks and runs register → login → me → refresh → logout", async () => {
    mkdirSync(GENERATED, { recursive: true });
    const ast = await openapiTS(doc as unknown as Parameters<typeof openapiTS>[0]);
    writeFileSync(join(GENERATED, "schema.d.ts"), astToString(ast));
    writeFileSync(join(GENERATED, "flow.ts"), FLOW);
    const tsc = promisify(execFile)(
      join(BIN, "tsc"),
      [
        "--noEmit",
        "--strict",
        "--noUncheckedIndexedAccess",
        "--target",
        "es2022",
        "--module",
        "esnext",
        "--moduleResolution",
        "bundler",
        "--lib",
        "es2022,dom,dom.iterable",
        "--types",
        "node",
        "--skipLibCheck",
        join(GENERATED, "flow.ts"),
      ],
      { timeout: 300_000 },
    );
    await expect(
      tsc.catch((e: { stdout?: string }) => Promise.reject(new Error(e.stdout))),
    ).resolves.toBeDefined();

    const { flow } = (await import(join(GENERATED, "flow.ts"))) as {
      flow: (base: string, email: string, password: string) => Promise<Record<string, unknown>>;
    };
    const email = `generated-${Date.now()}@example.com`;
    const result = await flow(server.url, email, "correct horse battery");
    expect(result).toMatchObject({
      me: { email, name: "Generated Client", role: "user", emailVerified: false },
      refreshedUser: email,
      loggedOut: true,
      refreshAfterLogout: "UNAUTHORIZED",
    });
    expect(result.registeredId).toBe((result.me as { id: string }).id);
  });
});

describe("a fuzz of every documented operation", () => {
  it("never answers 5xx, and answers what the document says", async () => {
    const check = createContractCheck(doc);
    const user = await registerAndLogin(server.url);
    const admin = await signedInAdmin(server);
    const operations = documentedOperations(doc);
    const json = fc.jsonValue({ maxDepth: 3 });
    const form = fc.dictionary(
      fc.constantFrom(
        "grant_type",
        "username",
        "password",
        "refresh_token",
        "token",
        "email",
        "next",
        "client_id",
        "client_secret",
        "scope",
      ),
      fc.oneof(fc.string(), fc.constantFrom("password", "refresh_token", user.email)),
    );
    for (const op of operations) {
      const base = validRequest(op, { user, admin });
      await fc.assert(
        fc.asyncProperty(json, form, fc.boolean(), async (value, fields, credentials) => {
          const request = { ...base, ...(credentials ? {} : { headers: {} }) };
          if (op.method === "GET" && op.path.startsWith("/api/trpc/"))
            request.query = `?input=${encodeURIComponent(JSON.stringify(value))}`;
          else if (request.contentType === "application/json") request.body = JSON.stringify(value);
          else if (request.contentType) request.body = new URLSearchParams(fields).toString();
          const answer = await send(server.url, op, request);
          expect(answer.status, `${op.method} ${op.path}: ${answer.text}`).toBeLessThan(500);
          expect(check(op, answer)).toBeNull();
        }),
        { numRuns: 12 },
      );
    }
  });
});
