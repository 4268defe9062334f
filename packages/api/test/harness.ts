import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";

import type { Clock } from "@authkit/auth";
import { loadConfig } from "@authkit/config";
import {
  createTestDatabase,
  databaseKinds,
  redisAvailable,
  startRedisServer,
  TEST_REDIS_URL,
  type DatabaseKind,
  type RedisServer,
  type TestDatabase,
} from "@authkit/db/testing";
import { startUpstashRest, type UpstashRest } from "@authkit/upstash-rest";
import { expect } from "vitest";

import {
  createApp,
  createCustomServerMark,
  createFetchApiHandler,
  type CustomServerMark,
  createNodeListener,
  type App,
  type CreateAppOptions,
} from "../src";
import { writeResponse } from "../src/http/node";
import type { HeartbeatSchedule } from "../src/http/heartbeat";
import { attachLiveSockets, type LiveSocketServer } from "../src/http/websocket";

export const TEST_SECRET = "9c1e4b7a2f5d8e0c3b6a9f2e5d8c1b4a7f0e3d6c9b2a5f8e1d4c7b0a3f6e9d2c";
/** Where revocations are checked and attempts counted: the database, Upstash REST, `REDIS_URL`. */
/** `memory`: the embedded default's own store and limiter (the process owns its database). */
export type StoreKind = "database" | "upstash" | "redis" | "memory";
/**
 * `node`: the node listener alone (the standalone API server). `fetch`: the route-handler mount
 * alone (Next without a custom server). `custom` and `custom-dev`: the custom server as
 * apps/web/server.ts builds it, the node listener in front of Next's catch-all route handler
 * (every request the listener does not answer reaches it, as any /api/* path reaches Next's),
 * serving the API itself (`pnpm start`) or handing it to the route handler (`pnpm dev`).
 */
export type Mount = "node" | "fetch" | "custom" | "custom-dev";

/** A controllable clock: starts at real time, moves only when told. */
export class TestClock implements Clock {
  constructor(private current = Date.now()) {}
  now = () => this.current;
  advance(seconds: number) {
    this.current += seconds * 1000;
  }
}

export interface TestServer {
  url: string;
  app: App;
  db: TestDatabase;
  clock: TestClock;
  upstash: UpstashRest | undefined;
  /** WebSockets on /api/trpc (the node mount only). */
  sockets: LiveSocketServer | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  database: DatabaseKind;
  store: StoreKind;
  mount?: Mount;
  env?: Record<string, string>;
  /** Serve this database (e.g. a previous server's, to restart with other keys); close() keeps it. */
  db?: TestDatabase;
  /** Where the server's log lines go (with `env.LOG_LEVEL`); dropped by default. */
  logDestination?: CreateAppOptions["logDestination"];
  /** The password hasher (e.g. with a tiny queue); the default one otherwise. */
  passwords?: CreateAppOptions["passwords"];
  /** The redis-server the store uses (behind the Upstash endpoint, or as `REDIS_URL`):
   * TEST_REDIS_URL by default; e.g. another database number to flush, or a server of its own. */
  redisUrl?: string;
  /** Serve this Upstash endpoint (e.g. a previous server's); close() keeps it. */
  upstash?: UpstashRest;
  /** When the WebSocket heartbeat beats (default every 30 s). */
  heartbeat?: HeartbeatSchedule;
  /** How often a watched live session re-reads the database (default 15 s). */
  liveRecheckMs?: number;
}

/**
 * Every suite calls from 127.0.0.1 and the upstash suites share one Redis (with every other run
 * on the machine: the limiters' keys are not per server), so the per-address limits are raised
 * far out of reach here; suites that test limits pass their own RATE_LIMIT_*. The per-account
 * limits keep their defaults (5 failures a minute): suites use fresh emails.
 */
export const TEST_RATE_LIMITS = {
  RATE_LIMIT_LOGIN_IP: "100000/1m",
  // 300 a minute by default: six suites side by side sign in more often than that, together.
  RATE_LIMIT_LOGIN_SUCCESS_IP: "100000/1m",
  RATE_LIMIT_REFRESH_IP: "100000/1m",
  RATE_LIMIT_REGISTER_IP: "100000/1m",
  RATE_LIMIT_LIVE_IP: "100000/1m",
  RATE_LIMIT_LIVE_TICKET: "100000/1m",
  RATE_LIMIT_PASSKEY_OPTIONS_IP: "100000/1m",
} as const;

/** A real HTTP server on a random loopback port, over a fresh database and a real store. */
export async function startTestServer({
  database,
  store,
  mount = "node",
  env = {},
  db: shared,
  logDestination,
  passwords,
  redisUrl,
  upstash: sharedUpstash,
  heartbeat,
  liveRecheckMs,
}: StartOptions): Promise<TestServer> {
  const db = shared ?? (await createTestDatabase(database));
  const upstash =
    sharedUpstash ??
    (store === "upstash" ? await startUpstashRest({ token: "test-token", redisUrl }) : undefined);
  const clock = new TestClock();
  const config = loadConfig(
    {
      NODE_ENV: "test",
      AUTH_SECRET: TEST_SECRET,
      APP_URL: "http://app.test",
      LOG_LEVEL: "silent",
      ...TEST_RATE_LIMITS,
      ...(upstash
        ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: "test-token" }
        : {}),
      ...(store === "redis" ? { REDIS_URL: redisUrl ?? TEST_REDIS_URL } : {}),
      ...env,
    },
    { warn: () => undefined },
  );
  const app = await createApp(config, {
    db,
    clock,
    logDestination,
    passwords,
    liveRecheckMs,
    ownsDatabase: store === "memory",
  });
  const server = createServer(listenerFor(app, mount));
  const sockets = mount === "fetch" ? undefined : attachLiveSockets(server, app, { heartbeat });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    db,
    clock,
    upstash,
    sockets,
    close: async () => {
      await sockets?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      if (!sharedUpstash) await upstash?.close();
      if (!shared) await db.destroy();
    },
  };
}

function listenerFor(app: App, mount: Mount) {
  if (mount === "node") return createNodeListener(app, (_req, res) => res.writeHead(404).end());
  if (mount === "fetch") return fetchListener(app);
  const mark = createCustomServerMark();
  return createNodeListener(app, fetchListener(app, mark), { mark, serveApi: mount === "custom" });
}

/** The route-handler mount, driven through a node server so both mounts face the same tests. */
function fetchListener(app: App, mark?: CustomServerMark) {
  const handle = createFetchApiHandler(app, { mark });
  return (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const request = incomingMessageToRequest(req, res, { maxBodySize: 1024 * 1024 });
      await writeResponse(res, await handle(request));
    })();
  };
}

export interface CallResult<T = unknown> {
  status: number;
  headers: Headers;
  body: {
    result?: { data: T };
    error?: {
      message: string;
      code: number;
      data: { code: string; httpStatus: number; zodError?: unknown };
    };
  };
  text: string;
  data: T;
}

export interface CallOptions {
  input?: unknown;
  token?: string | null;
  cookie?: string | null;
  headers?: Record<string, string>;
}

/** One tRPC call over HTTP, in the wire format any client uses (no transformer). */
export async function call<T = unknown>(
  base: string,
  type: "query" | "mutation",
  path: string,
  { input, token, cookie, headers = {} }: CallOptions = {},
): Promise<CallResult<T>> {
  const h: Record<string, string> = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = cookie;
  let response: Response;
  if (type === "query") {
    const qs = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    response = await fetch(`${base}/api/trpc/${path}${qs}`, { headers: h });
  } else {
    h["content-type"] = "application/json";
    response = await fetch(`${base}/api/trpc/${path}`, {
      method: "POST",
      headers: h,
      body: input === undefined ? undefined : JSON.stringify(input),
    });
  }
  const text = await response.text();
  const body = JSON.parse(text) as CallResult<T>["body"];
  return {
    status: response.status,
    headers: response.headers,
    body,
    text,
    data: body.result?.data as T,
  };
}

/** The refresh cookie a response set, as a `Cookie` header value. */
export function cookieFrom(result: { headers: Headers }): string | null {
  const cookie = result.headers.getSetCookie().find((c) => c.startsWith("refresh_token="));
  return cookie ? cookie.split(";")[0]! : null;
}

export function rawRefreshToken(cookie: string | null): string {
  return cookie?.split("=")[1] ?? "";
}

let counter = 0;
export const uniqueEmail = (label = "user") => `${label}-${Date.now()}-${counter++}@example.com`;

export interface SignedIn {
  email: string;
  password: string;
  userId: string;
  accessToken: string;
  cookie: string;
}

export async function registerAndLogin(
  base: string,
  { email = uniqueEmail(), password = "correct horse battery", name = "Test User" } = {},
): Promise<SignedIn> {
  const registered = await call<{ user: { id: string } }>(base, "mutation", "auth.register", {
    input: { email, password, name },
  });
  if (registered.status !== 200) throw new Error(`register failed: ${registered.text}`);
  return login(base, email, password);
}

/** A new user made admin, signed in again so the token carries the role. */
export async function signedInAdmin(server: Pick<TestServer, "url" | "app">): Promise<SignedIn> {
  const user = await registerAndLogin(server.url, { email: uniqueEmail("admin") });
  await server.app.auth.admin.setRole({ id: user.userId }, user.userId, "admin");
  return login(server.url, user.email, user.password);
}

export async function login(base: string, email: string, password: string): Promise<SignedIn> {
  const result = await call<{ accessToken: string; user: { id: string } }>(
    base,
    "mutation",
    "auth.login",
    { input: { email, password } },
  );
  if (result.status !== 200) throw new Error(`login failed: ${result.text}`);
  return {
    email,
    password,
    userId: result.data.user.id,
    accessToken: result.data.accessToken,
    cookie: cookieFrom(result)!,
  };
}

/**
 * PostgreSQL when it is reachable (a fresh database in well under a second), else PGlite
 * (several seconds to start and migrate): for suites whose subject is not the database.
 */
export async function quickDatabase(): Promise<DatabaseKind> {
  return (await databaseKinds()).includes("postgresql") ? "postgresql" : "pglite";
}

/**
 * The given store kinds, less the Redis ones when Redis is missing (a skip with a warning
 * outside CI, a failure in CI: see redisAvailable).
 */
export async function storeKinds<K extends StoreKind>(...kinds: K[]): Promise<K[]> {
  const redis = await redisAvailable();
  return kinds.filter((kind) => kind === "database" || kind === "memory" || redis);
}

/**
 * Every combination the integration suites run on: the memory store only where it is used, on
 * the embedded database (which only its own process can write).
 */
export function matrix(databaseKinds: DatabaseKind[]): [DatabaseKind, StoreKind][] {
  return databaseKinds.flatMap((d) =>
    (d === "pglite"
      ? (["database", "upstash", "memory"] as const)
      : (["database", "upstash"] as const)
    ).map((s): [DatabaseKind, StoreKind] => [d, s]),
  );
}

/** A test server whose Redis the test can take down and bring back. */
export interface RedisOutage {
  server: TestServer;
  /** Connections refused: the Upstash endpoint stops, or the redis-server ends. */
  down(): Promise<void>;
  /** Back: the endpoint on its old port (Redis kept its data), or the redis-server restarted
   * empty (no persistence); resolves once the server's store answers again. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A server on a Redis the test may break: for Upstash the REST endpoint in front of the shared
 * Redis; for a plain Redis a redis-server of the test's own (never the shared one).
 */
export async function startWithRedisOutage(
  options: Omit<StartOptions, "store"> & { store: "upstash" | "redis" },
): Promise<RedisOutage> {
  const own: RedisServer | undefined =
    options.store === "redis" ? await startRedisServer() : undefined;
  const server = await startTestServer({ ...options, redisUrl: options.redisUrl ?? own?.url });
  const answers = () =>
    server.app.auth.store.ping().then(
      () => true,
      () => false,
    );
  return {
    server,
    down: async () => {
      if (own) await own.stop();
      else await server.upstash!.close();
    },
    up: async () => {
      if (own) await own.start();
      else
        server.upstash = await startUpstashRest({
          token: "test-token",
          port: server.upstash!.port,
          redisUrl: options.redisUrl,
        });
      await expect.poll(answers, { timeout: 15_000, interval: 50 }).toBe(true);
    },
    close: async () => {
      await server.close();
      // An endpoint restarted by `up` is not the one the server started (closing is idempotent).
      await server.upstash?.close();
      await own?.stop();
    },
  };
}

/** Collects a server's log lines (pass as `logDestination`). */
export class LogCapture {
  readonly chunks: string[] = [];
  private readonly waiters = new Set<() => void>();
  write(chunk: string) {
    this.chunks.push(chunk);
    for (const waiter of [...this.waiters]) waiter();
  }
  get text() {
    return this.chunks.join("");
  }
  get lines(): Record<string, unknown>[] {
    return this.text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  /** Resolves once the lines written so far satisfy `check`: a condition, never a clock. */
  until(check: (lines: Record<string, unknown>[]) => boolean): Promise<void> {
    if (check(this.lines)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = () => {
        if (!check(this.lines)) return;
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }
}
