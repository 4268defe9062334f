import { request as httpRequest } from "node:http";

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createCustomServerMark, createFetchApiHandler, normalizeTarget } from "../src";
import { CLIENT_IP_HEADER, MARK_HEADER, markRequest } from "../src/http/custom-server-mark";
import {
  quickDatabase,
  startTestServer,
  uniqueEmail,
  type Mount,
  type TestServer,
} from "./harness";

/**
 * Issue 23, finding 4: `/api/./trpc/…`, `/api/%2e/trpc`, `//api/trpc`, `/api/x/../trpc`… used to
 * miss the custom server's `startsWith("/api/trpc")` and fall through to Next's route handler,
 * which cannot see the socket: per-address limits went to the shared bucket, and with TRUST_PROXY
 * set to an address list a direct client chose its own address with X-Forwarded-For. Here the
 * client (127.0.0.1) is not a trusted proxy and sends a new X-Forwarded-For every time: every
 * spelling of a path must count against 127.0.0.1.
 */
const LIMITS = {
  TRUST_PROXY: "10.0.0.0/8",
  RATE_LIMIT_REGISTER_IP: "3/1m",
  RATE_LIMIT_LOGIN_IP: "3/1m",
};
const PASSWORD = "correct horse battery";

let counter = 0;
/** A new documentation address each call (RFC 5737): a client choosing its address freely. */
const spoofed = () => `203.0.113.${(counter++ % 250) + 1}`;

interface RawResult {
  status: number;
  body: string;
}

/** A request with its target sent exactly as written (fetch would normalise it first). */
function rawPost(
  base: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<RawResult> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path, method: "POST", headers: { ...headers, host: "app.test" } },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

const register = (base: string, path: string, headers: Record<string, string> = {}) =>
  rawPost(base, path, JSON.stringify({ email: uniqueEmail("variant"), password: PASSWORD }), {
    "content-type": "application/json",
    origin: "http://app.test",
    "x-forwarded-for": spoofed(),
    ...headers,
  });

const failedToken = (base: string, path: string) =>
  rawPost(
    base,
    path,
    new URLSearchParams({
      grant_type: "password",
      username: uniqueEmail("ghost"),
      password: "not the password",
    }).toString(),
    { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": spoofed() },
  );

/**
 * Every spelling of `/seg1/seg2/…` a WHATWG URL parser resolves to it: dot segments (plain and
 * percent-encoded, any case), detours through a segment and back, doubled slashes, backslashes.
 */
function spellings(segments: readonly string[]): fc.Arbitrary<string> {
  const noise = fc.constantFrom(
    "./",
    "%2e/",
    "%2E/",
    "x/../",
    "y/%2e%2e/",
    "z/.%2E/",
    "/",
    "\\",
    "w\\..\\",
  );
  const separator = fc.constantFrom("/", "\\", "//", "/./");
  const lead = fc.constantFrom("/", "//", "/\\", "/./");
  return fc
    .tuple(
      lead,
      fc.array(fc.array(noise, { maxLength: 3 }), {
        minLength: segments.length,
        maxLength: segments.length,
      }),
      fc.array(separator, { minLength: segments.length, maxLength: segments.length }),
    )
    .map(([start, noises, seps]) =>
      segments.reduce(
        (path, segment, i) => `${path}${i === 0 ? "" : seps[i]}${noises[i]!.join("")}${segment}`,
        start,
      ),
    );
}

const TRPC_REGISTER = ["api", "trpc", "auth.register"] as const;
const OAUTH_TOKEN = ["api", "auth", "token"] as const;

const KNOWN_REGISTER_VARIANTS = [
  "/api/./trpc/auth.register",
  "/api/%2e/trpc/auth.register",
  "/api/%2E/trpc/auth.register",
  "//api/trpc/auth.register",
  "/api//trpc/auth.register",
  "/api/trpc/../trpc/auth.register",
  "/api/x/%2e%2e/trpc/auth.register",
  "/api\\trpc\\auth.register",
  "/%61pi/trpc/auth.register",
  "/./api/trpc/auth.register",
];

describe("normalizeTarget", () => {
  it("resolves every generated spelling to the path, and keeps the query as sent", () => {
    fc.assert(
      fc.property(spellings(TRPC_REGISTER), (path) => {
        expect(normalizeTarget(`${path}?input=%2e/../x`)).toBe(
          "/api/trpc/auth.register?input=%2e/../x",
        );
      }),
    );
  });

  it("never throws, and answers a path with no dot segment, empty segment or backslash", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (target) => {
        const normalized = normalizeTarget(target);
        if (normalized === null) return;
        const path = normalized.split("?")[0]!;
        expect(path.startsWith("/")).toBe(true);
        expect(path).not.toMatch(/\/\.{1,2}(\/|$)|\/\/|\\|%2e/i);
      }),
      { numRuns: 2000 },
    );
  });
});

describe.each<Mount>(["custom", "custom-dev"])(
  "per-address limits on every spelling of a path, %s mount",
  (mount) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        database: await quickDatabase(),
        store: "database",
        mount,
        env: LIMITS,
      });
    });
    afterAll(() => server.close());

    it("counts registrations from a direct client against its socket address, whatever X-Forwarded-For says", async () => {
      for (let i = 0; i < 3; i++) {
        expect((await register(server.url, "/api/trpc/auth.register")).status).toBe(200);
      }
      expect((await register(server.url, "/api/trpc/auth.register")).status).toBe(429);
      for (const path of KNOWN_REGISTER_VARIANTS) {
        expect((await register(server.url, path)).status, path).toBe(429);
      }
      await fc.assert(
        fc.asyncProperty(spellings(TRPC_REGISTER), async (path) => {
          expect((await register(server.url, path)).status, path).toBe(429);
        }),
        { numRuns: 40 },
      );
    });

    it("counts failed OAuth sign-ins the same way on every spelling of /api/auth/token", async () => {
      for (let i = 0; i < 3; i++) {
        expect((await failedToken(server.url, "/api/auth/token")).status).toBe(400);
      }
      await fc.assert(
        fc.asyncProperty(spellings(OAUTH_TOKEN), async (path) => {
          expect((await failedToken(server.url, path)).status, path).toBe(429);
        }),
        { numRuns: 30 },
      );
    });

    it("ignores the custom server's own headers when a client sends them", async () => {
      const forged = { [MARK_HEADER]: "AAAA", [CLIENT_IP_HEADER]: spoofed() };
      expect((await register(server.url, "/api/./trpc/auth.register", forged)).status).toBe(429);
    });

    it("answers 404, never the API, for a spelling only a route handler would take", async () => {
      for (const path of ["/api/trpc%2Fauth.register", "/api/%252e/trpc/auth.register"]) {
        const result = await register(server.url, path);
        expect(result.status, path).toBe(404);
      }
    });
  },
);

describe("Next's route handler under the custom server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: await quickDatabase(), store: "database" });
  });
  afterAll(() => server.close());

  it("serves only what the custom server marked, with the address it derived", async () => {
    const mark = createCustomServerMark();
    const handle = createFetchApiHandler(server.app, { mark });
    const unmarked = await handle(new Request("http://app.test/api/health"));
    expect(unmarked.status).toBe(404);
    const headers: Record<string, string> = {};
    markRequest(mark, headers, "198.51.100.7");
    const marked = await handle(new Request("http://app.test/api/health", { headers }));
    expect(marked.status).toBe(200);
    // Another process's mark is no mark.
    const other = await handle(
      new Request("http://app.test/api/health", {
        headers: {
          ...headers,
          [MARK_HEADER]: createCustomServerMark().nonce.toString("base64url"),
        },
      }),
    );
    expect(other.status).toBe(404);
  });

  it("serves everything when Next runs alone (no custom server, no mark)", async () => {
    const handle = createFetchApiHandler(server.app);
    expect((await handle(new Request("http://app.test/api/health"))).status).toBe(200);
  });
});
