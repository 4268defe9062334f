/**
 * The OpenAPI document served at /api/openapi.json by a real server on PGlite: it is valid
 * OpenAPI 3.1, Redocly's recommended rules find no error, it lists every route of the table and
 * every query and mutation and nothing else, and every documented operation answers as
 * documented (errors included), checked with a JSON Schema validator.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { HTTP_ROUTES, TRPC_PATH } from "../src/http/routes";
import { listProcedures } from "../src/openapi/procedures";
import { PROCEDURE_SUMMARIES } from "../src/openapi/summaries";
import { authCodesByStatus, TRPC_ERROR_STATUSES } from "../src/openapi/trpc-errors";
import { appRouter } from "../src/root";
import { registerAndLogin, signedInAdmin, startTestServer, type TestServer } from "./harness";
import {
  createContractCheck,
  documentedOperations,
  send,
  type DocumentedOperation,
  type OpenApiDocument,
} from "./openapi-contract";
import { validRequest } from "./openapi-requests";

const BIN = fileURLToPath(new URL("../node_modules/.bin/", import.meta.url));
const METRICS_TOKEN = "metrics-token-for-the-openapi-test-0123456789";

let server: TestServer;
let doc: OpenApiDocument;
let operations: DocumentedOperation[];

beforeAll(async () => {
  server = await startTestServer({
    database: "pglite",
    store: "database",
    env: { METRICS_TOKEN },
  });
  const response = await fetch(`${server.url}/api/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as OpenApiDocument;
  operations = documentedOperations(doc);
});
afterAll(() => server.close());

describe("the document", () => {
  it("validates as OpenAPI 3.1", async () => {
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.servers?.length).toBeGreaterThan(0);
  });

  it("passes `redocly lint` with the recommended rules, with no error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "authkit-openapi-"));
    try {
      const file = join(dir, "openapi.json");
      writeFileSync(file, JSON.stringify(doc));
      const { stdout } = await promisify(execFile)(
        join(BIN, "redocly"),
        ["lint", file, "--extends=recommended", "--format=json"],
        {
          timeout: 300_000,
          maxBuffer: 64 * 1024 * 1024,
          // eslint-disable-next-line no-restricted-properties -- the child's environment, not config
          env: { ...process.env, REDOCLY_TELEMETRY: "off" },
        },
      );
      const report = JSON.parse(stdout) as {
        totals: { errors: number };
        problems: { severity: string; message: string }[];
      };
      expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has every route of the table and every query and mutation, and nothing else", () => {
    const expected = new Set<string>();
    for (const route of HTTP_ROUTES) {
      if (route.kind === "trpc") continue;
      for (const method of route.methods) expected.add(`${method} ${route.path}`);
    }
    for (const procedure of listProcedures(appRouter)) {
      if (procedure.type === "subscription") continue;
      const method = procedure.type === "query" ? "GET" : "POST";
      expected.add(`${method} ${TRPC_PATH}/${procedure.path}`);
    }
    const documented = operations.map(({ method, path }) => `${method} ${path}`);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...expected].sort());
  });

  it("gives every procedure a summary of its own", () => {
    for (const { path } of listProcedures(appRouter))
      expect(PROCEDURE_SUMMARIES[path], `add "${path}" to src/openapi/summaries.ts`).toBeTruthy();
  });

  it("lists every stable error code under a status it documents", () => {
    for (const [status, codes] of authCodesByStatus()) {
      expect(TRPC_ERROR_STATUSES, codes.join()).toContain(status);
      expect(doc.components.responses[`Trpc${status}`]).toBeDefined();
    }
  });

  it("marks public operations `security: []`, protected ones with a scheme, admin ones as such", () => {
    for (const { path, operation } of operations) {
      expect(Array.isArray(operation.security), path).toBe(true);
      if (path.startsWith(`${TRPC_PATH}/admin.`)) {
        expect(operation.security).toEqual([{ oauth2Password: [] }, { bearerJwt: [] }]);
        expect((operation as unknown as Record<string, unknown>)["x-required-role"]).toBe("admin");
      }
    }
    const security = (path: string) => operations.find((o) => o.path === path)!.operation.security;
    expect(security(`${TRPC_PATH}/auth.login`)).toEqual([]);
    expect(security(`${TRPC_PATH}/user.me`)).toEqual([{ oauth2Password: [] }, { bearerJwt: [] }]);
    expect(security(`${TRPC_PATH}/auth.refresh`)).toEqual([{ refreshCookie: [] }]);
    expect(doc.components.securitySchemes.oauth2Password).toMatchObject({
      type: "oauth2",
      flows: { password: { tokenUrl: "/api/auth/token", refreshUrl: "/api/auth/token" } },
    });
  });

  it("is generated once: the same bytes on every request", async () => {
    const again = await (await fetch(`${server.url}/api/openapi.json`)).json();
    expect(again).toEqual(doc);
  });
});

describe("the contract: every documented operation answers as documented", () => {
  it("answers a valid call of every operation as documented", async () => {
    const check = createContractCheck(doc);
    const admin = await signedInAdmin(server);
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    for (const op of operations) {
      const user = await registerAndLogin(server.url);
      const request = validRequest(op, {
        user,
        admin,
        metricsToken: METRICS_TOKEN,
      });
      const answer = await send(server.url, op, request);
      statuses[`${op.method} ${op.path}`] = answer.status;
      const problem = check(op, answer);
      if (problem) failures.push(problem);
    }
    expect(failures).toEqual([]);
    // The calls did what they were meant to, not only something documented.
    expect(statuses[`GET ${TRPC_PATH}/user.me`]).toBe(200);
    expect(statuses[`POST ${TRPC_PATH}/auth.login`]).toBe(200);
    expect(statuses[`POST ${TRPC_PATH}/auth.refresh`]).toBe(200);
    expect(statuses[`GET ${TRPC_PATH}/admin.users`]).toBe(200);
    expect(statuses["POST /api/auth/token"]).toBe(200);
    expect(statuses["GET /api/metrics"]).toBe(200);
  });

  it("answers every protected operation without credentials with its documented 401", async () => {
    const check = createContractCheck(doc);
    const failures: string[] = [];
    const guarded = operations.filter((o) => (o.operation.security ?? []).length > 0);
    expect(guarded.length).toBeGreaterThan(5);
    for (const op of guarded) {
      const { headers: _credentials, ...request } = validRequest(op, {});
      const answer = await send(server.url, op, request);
      if (op.path !== "/api/trpc" && answer.status !== 401 && answer.status !== 404)
        failures.push(`${op.method} ${op.path}: ${answer.status} without credentials`);
      const problem = check(op, answer);
      if (problem) failures.push(problem);
    }
    expect(failures).toEqual([]);
  });

  it("answers a refused input of every operation that takes one with its documented 400", async () => {
    const check = createContractCheck(doc);
    const user = await registerAndLogin(server.url);
    const admin = await signedInAdmin(server);
    const failures: string[] = [];
    const withInput = operations.filter(
      ({ operation }) =>
        operation.parameters?.some((p) => p.name === "input") ||
        Object.values(operation.requestBody?.content ?? {}).some(
          (media) => !JSON.stringify(media.schema ?? {}).includes("NoInput"),
        ),
    );
    for (const op of withInput) {
      const valid = validRequest(op, {
        user,
        admin,
        metricsToken: METRICS_TOKEN,
      });
      const refused = valid.query
        ? { ...valid, query: `?input=${encodeURIComponent('{"page":"one"}')}` }
        : { ...valid, body: valid.contentType === "application/json" ? '{"email":17}' : "x=1" };
      const answer = await send(server.url, op, refused);
      if (answer.status !== 400 && answer.status !== 303)
        failures.push(`${op.method} ${op.path}: ${answer.status} for a refused input`);
      const problem = check(op, answer);
      if (problem) failures.push(problem);
    }
    expect(failures).toEqual([]);
  });
});
