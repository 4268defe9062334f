/**
 * Issue 26, §1: the route table is the one list of the API's HTTP routes. These check its shape
 * and that the readers agree with it: routing, `isApiTarget`, the metrics paths and the methods
 * Next's catch-all route handler exports.
 */
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { API_PATHS, findRoute, HTTP_ROUTES, isApiTarget, normalizeTarget, ROUTES } from "../src";

const CATCH_ALL = new URL("../../../apps/web/src/app/api/[...path]/route.ts", import.meta.url);
const JWKS_ROUTE = new URL(
  "../../../apps/web/src/app/.well-known/jwks.json/route.ts",
  import.meta.url,
);

describe("the route table", () => {
  it("lists every route once, at a normalised path, with a summary and its answers", () => {
    const seen = new Set<string>();
    for (const route of HTTP_ROUTES) {
      const key = `${route.kind} ${route.path}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
      expect(normalizeTarget(route.path)).toBe(route.path);
      expect(route.summary.length).toBeGreaterThan(10);
      expect(route.methods.length).toBeGreaterThan(0);
      if (route.kind === "http") expect(Object.keys(route.responses).length).toBeGreaterThan(0);
      expect(route.handler === null).toBe(route.kind === "websocket");
    }
    expect(Object.keys(ROUTES)).toEqual(HTTP_ROUTES.map((route) => route.id));
  });

  it("is what routing, isApiTarget and the metrics paths read", () => {
    for (const route of HTTP_ROUTES) {
      expect(isApiTarget(route.path), route.path).toBe(true);
      expect(isApiTarget(`${route.path}?x=1`), route.path).toBe(true);
      if (route.kind === "http") {
        expect(findRoute(route.path)?.id).toBe(route.id);
        expect(API_PATHS.has(route.path)).toBe(true);
      }
    }
    expect(findRoute("/api/trpc/user.me")?.id).toBe("trpc");
    expect([...API_PATHS].sort()).toEqual(
      HTTP_ROUTES.filter((r) => r.kind === "http")
        .map((r) => r.path)
        .sort(),
    );
    for (const page of ["/", "/login", "/api", "/api/trpcx", "/api/auth/unknown", "/apix/trpc"]) {
      expect(isApiTarget(page), page).toBe(false);
    }
    for (const variant of [
      "/api/./trpc/x",
      "//api/auth/token",
      "/api/%2E/health",
      "/x/../api/ready",
    ]) {
      expect(isApiTarget(variant), variant).toBe(true);
    }
  });

  it("has no method Next's route handlers do not export", () => {
    const exported = (file: URL) =>
      new Set([...readFileSync(file, "utf8").matchAll(/handleApi as (\w+)/g)].map((m) => m[1]));
    const catchAll = exported(CATCH_ALL);
    const jwks = exported(JWKS_ROUTE);
    for (const route of HTTP_ROUTES) {
      const file = route.path.startsWith("/api/") ? catchAll : jwks;
      for (const method of route.methods)
        expect(file.has(method), `${route.id} ${method}`).toBe(true);
    }
  });
});
